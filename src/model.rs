//! Domain types shared by the API, the storage and the delivery engine.

/// Where something lives: the instance (both empty), a company, or a project of a company.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Scope {
    /// Company id, empty for the instance.
    pub company_id: String,
    /// Project id, empty unless a project.
    pub project_id: String,
}

impl Scope {
    /// A scope from its two ids.
    pub fn new(company_id: impl Into<String>, project_id: impl Into<String>) -> Self {
        Self { company_id: company_id.into(), project_id: project_id.into() }
    }

    /// Whether `other` is this scope or lies under it.
    pub fn contains(&self, other: &Scope) -> bool {
        (self.company_id.is_empty() || self.company_id == other.company_id)
            && (self.project_id.is_empty() || self.project_id == other.project_id)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.company_id.as_str(), self.project_id.as_str()) {
            ("", _) => f.write_str("instance"),
            (c, "") => write!(f, "company {c}"),
            (c, p) => write!(f, "project {c}/{p}"),
        }
    }
}

/// State of a delivery; the numbers are the proto enum's and the database's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i16)]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt.
    Pending = 1,
    /// The receiver answered 2xx.
    Success = 2,
    /// Failed for good.
    Error = 3,
}

impl DeliveryStatus {
    /// From the stored number.
    pub fn from_i16(v: i16) -> Self {
        match v {
            2 => Self::Success,
            3 => Self::Error,
            _ => Self::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment() {
        let inst = Scope::default();
        let acme = Scope::new("acme", "");
        let web = Scope::new("acme", "web");
        let other = Scope::new("globex", "");
        let cases = [
            (&inst, &web, true),
            (&inst, &other, true),
            (&acme, &web, true),
            (&acme, &acme, true),
            (&acme, &inst, false),
            (&acme, &other, false),
            (&web, &acme, false),
            (&web, &web, true),
            (&web, &Scope::new("globex", "web"), false),
        ];
        for (a, b, want) in cases {
            assert_eq!(a.contains(b), want, "{a} contains {b}");
        }
    }
}
