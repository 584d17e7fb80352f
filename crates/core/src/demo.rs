//! The seeded synthetic demo town "Musterstadt".
