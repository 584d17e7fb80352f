//! One module per subcommand.
pub mod assign;
pub mod demo;
pub mod project;
pub mod release;

/// At most `max` ids joined by commas, then how many more there are (a state's ranking
/// selects thousands of quarters; the full list is in `ranking.csv`).
pub(crate) fn id_list<S: AsRef<str>>(ids: &[S], max: usize, file: &str) -> String {
    let shown: Vec<&str> = ids.iter().take(max).map(AsRef::as_ref).collect();
    let mut text = shown.join(", ");
    if ids.len() > max {
        text.push_str(&format!(", … and {} more (see {file})", ids.len() - max));
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn id_list_shows_at_most_max_ids_and_counts_the_rest() {
        let ids: Vec<String> = (0..30).map(|i| format!("Q{i:02}")).collect();
        assert_eq!(
            super::id_list(&ids[..3], 20, "ranking.csv"),
            "Q00, Q01, Q02"
        );
        let text = super::id_list(&ids, 20, "ranking.csv");
        assert!(
            text.starts_with("Q00, Q01,") && text.contains("Q19"),
            "{text}"
        );
        assert!(!text.contains("Q20"), "{text}");
        assert!(text.ends_with("… and 10 more (see ranking.csv)"), "{text}");
    }
}
