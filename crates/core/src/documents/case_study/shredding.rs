//! What a shred of a course or a client does to case studies: the counsellor's are destroyed
//! when they are about the shredded course or only the shredded client; the organisation's,
//! and those also about other clients, are kept.

use super::*;

/// What a shred does to case studies: those it destroys, those it keeps and why.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ShredPlan {
    /// The counsellor's case studies it destroys.
    pub(crate) destroy: Vec<Parties>,
    /// What it keeps, in words (ids and client codes only).
    pub(crate) kept: Vec<String>,
}

/// The plan for a course shred (`course_id`) or a client shred (`client_code`).
pub(crate) fn shred_plan(
    vault: &Vault,
    course_id: Option<&str>,
    client_code: Option<&str>,
) -> Result<ShredPlan, CaseStudyError> {
    let mut plan = ShredPlan::default();
    let mut seen = Vec::new();
    let mut consider = |found: Parties, by_course: bool, plan: &mut ShredPlan| {
        if seen.contains(&found.id) {
            return;
        }
        seen.push(found.id.clone());
        match found.owner {
            Owner::Organisation => plan.kept.push(format!(
                "Case study {} (the organisation's, about {}) is kept: it is a permanent record \
                 of the service.",
                found.id,
                found.clients.join(", ")
            )),
            Owner::Counsellor if by_course || found.clients.len() == 1 => plan.destroy.push(found),
            Owner::Counsellor => plan.kept.push(format!(
                "Case study {} (the counsellor's) is kept for now because it is also about {}: \
                 take {} out of it or rewrite it (case-study edit --clients), then shred again.",
                found.id,
                found
                    .clients
                    .iter()
                    .filter(|c| Some(c.as_str()) != client_code)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
                client_code.unwrap_or_default()
            )),
        }
    };
    if let Some(course) = course_id {
        for id in of_course(vault, course)? {
            consider(parties(vault, &id)?, true, &mut plan);
        }
    }
    if let Some(client) = client_code {
        for id in mentioning(vault, client)? {
            consider(parties(vault, &id)?, false, &mut plan);
        }
    }
    Ok(plan)
}
