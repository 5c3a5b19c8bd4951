//! Formwork server library.
