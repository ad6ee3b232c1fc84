"""Acoustic models: one contract (cuts -> CTC log-posteriors T x V + token table + frame shift)."""
