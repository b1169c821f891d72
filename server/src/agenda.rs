//! The agenda's rules that are not storage: the order items are shown in
//! (each top-level item, then its sub-items). Pure; used by the meeting
//! view, the minutes' seed and the meeting record alike.

use std::collections::HashSet;

use crate::store::AgendaItemRecord;

/// Orders agenda items as the wire promises: each top-level item by
/// position, followed by its sub-items by position.
pub fn order_agenda(items: Vec<AgendaItemRecord>) -> Vec<AgendaItemRecord> {
    let (mut top, mut subs): (Vec<_>, Vec<_>) =
        items.into_iter().partition(|item| item.parent_id.is_none());
    top.sort_by_key(|item| (item.position, item.id.clone()));
    subs.sort_by_key(|item| (item.position, item.id.clone()));
    let mut ordered = Vec::with_capacity(top.len() + subs.len());
    for item in top {
        let id = item.id.clone();
        ordered.push(item);
        ordered.extend(
            subs.iter()
                .filter(|s| s.parent_id.as_deref() == Some(&id))
                .cloned(),
        );
    }
    // Sub-items whose parent is missing are still shown, last.
    let placed: HashSet<String> = ordered.iter().map(|i| i.id.clone()).collect();
    ordered.extend(subs.into_iter().filter(|s| !placed.contains(&s.id)));
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, parent: Option<&str>, position: i64) -> AgendaItemRecord {
        AgendaItemRecord {
            id: id.into(),
            meeting_id: "m".into(),
            parent_id: parent.map(Into::into),
            position,
            title: id.into(),
            presenter: None,
            duration_minutes: None,
            updated_at: 0,
        }
    }

    #[test]
    fn sub_items_follow_their_parent_in_position_order() {
        let ordered = order_agenda(vec![
            item("b", None, 1),
            item("b2", Some("b"), 1),
            item("a", None, 0),
            item("b1", Some("b"), 0),
            item("orphan", Some("gone"), 0),
        ]);
        let ids: Vec<_> = ordered.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "b1", "b2", "orphan"]);
    }
}
