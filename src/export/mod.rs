//! After-action exports (pure): events + scenario -> JSON / Markdown / HTML / CSV.
