//! (to be written) Record batches, magic 2.
