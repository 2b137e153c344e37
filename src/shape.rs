//! Shapes of identifiers people type: GUIDs, tenant names. Checked before anything is sent, so a
//! typo is named as a typo instead of surfacing as a confusing AADSTS code.

/// Whether `text` is a GUID in the 8-4-4-4-12 form (braces tolerated).
pub fn is_guid(text: &str) -> bool {
    let text = text.trim().trim_start_matches('{').trim_end_matches('}');
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The shape of a tenant identifier. The names are the `token.tenant_shape` signal values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TenantShape {
    /// A directory (tenant) id.
    Guid,
    /// A verified domain such as contoso.onmicrosoft.com.
    Domain,
    /// `common`, `organizations` or `consumers`: not a tenant.
    CommonEndpoint,
    /// Neither.
    Invalid,
}

impl TenantShape {
    /// The `token.tenant_shape` signal value.
    pub fn signal(self) -> &'static str {
        match self {
            Self::Guid => "guid",
            Self::Domain => "domain",
            Self::CommonEndpoint => "common-endpoint",
            Self::Invalid => "invalid",
        }
    }
}

/// Classifies a tenant identifier.
pub fn tenant_shape(tenant: &str) -> TenantShape {
    let tenant = tenant.trim();
    if is_guid(tenant) {
        return TenantShape::Guid;
    }
    let lower = tenant.to_ascii_lowercase();
    if matches!(lower.as_str(), "common" | "organizations" | "consumers") {
        return TenantShape::CommonEndpoint;
    }
    let labels: Vec<&str> = lower.split('.').collect();
    let is_domain = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    if is_domain {
        TenantShape::Domain
    } else {
        TenantShape::Invalid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids() {
        assert!(is_guid("8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90"));
        assert!(is_guid("{8A1D5C3E-0B7F-4E2A-9C61-2F4D8E7B1A90}"));
        assert!(!is_guid("8a1d5c3e0b7f4e2a9c612f4d8e7b1a90"));
        assert!(!is_guid("my-powerbi-app"));
    }

    #[test]
    fn tenants() {
        assert_eq!(
            tenant_shape("72f988bf-86f1-41af-91ab-2d7cd011db47"),
            TenantShape::Guid
        );
        assert_eq!(tenant_shape("contoso.onmicrosoft.com"), TenantShape::Domain);
        assert_eq!(tenant_shape("Common"), TenantShape::CommonEndpoint);
        assert_eq!(tenant_shape("contoso"), TenantShape::Invalid);
        assert_eq!(tenant_shape("contoso .com"), TenantShape::Invalid);
        assert_eq!(
            tenant_shape("https://login.microsoftonline.com/contoso.com"),
            TenantShape::Invalid
        );
    }
}
