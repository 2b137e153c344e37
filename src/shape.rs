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

/// The GUID in text pasted where a GUID belongs, lowercase and dashed: a portal or app URL that
/// holds one (`…/groups/<id>/list`), one without its dashes, one in quotes. `None` when there
/// is none, or several that differ.
pub fn guid_in(text: &str) -> Option<String> {
    let mut found: Vec<String> = text
        .split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
        .filter_map(|piece| {
            if is_guid(piece) {
                Some(piece.to_ascii_lowercase())
            } else if piece.len() == 32 && piece.bytes().all(|b| b.is_ascii_hexdigit()) {
                let p = piece.to_ascii_lowercase();
                Some(format!(
                    "{}-{}-{}-{}-{}",
                    &p[..8],
                    &p[8..12],
                    &p[12..16],
                    &p[16..20],
                    &p[20..]
                ))
            } else {
                None
            }
        })
        .collect();
    found.dedup();
    match found.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// What a tenant value that is neither a GUID nor a domain probably meant: the value without
/// quotes or blanks, the tenant in an authority URL, the domain of a sign-in name, a GUID without
/// its dashes, or `NAME.onmicrosoft.com` for a bare name (every tenant has that initial domain).
pub fn tenant_suggestion(text: &str) -> Option<String> {
    let usable = |t: &str| matches!(tenant_shape(t), TenantShape::Guid | TenantShape::Domain);
    let bare: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | '`'))
        .collect();
    if bare.is_empty() {
        return None;
    }
    if usable(&bare) {
        return Some(bare.to_ascii_lowercase());
    }
    if let Ok(url) = url::Url::parse(&bare)
        && url.has_host()
    {
        return url
            .path_segments()?
            .find(|segment| usable(segment))
            .map(str::to_ascii_lowercase);
    }
    if let Some((_, domain)) = bare.rsplit_once('@') {
        return usable(domain).then(|| domain.to_ascii_lowercase());
    }
    if let Some(guid) = guid_in(&bare) {
        return Some(guid);
    }
    let label = bare.to_ascii_lowercase();
    // A GUID with a typo in it is not a name: no domain to suggest.
    let guid_like = label.matches('-').count() >= 3 && label.len() >= 30;
    let is_label = !guid_like
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    is_label.then(|| format!("{label}.onmicrosoft.com"))
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

    #[test]
    fn tenant_shapes_as_a_table() {
        use TenantShape::*;
        let table = [
            ("72f988bf-86f1-41af-91ab-2d7cd011db47", Guid),
            ("{72F988BF-86F1-41AF-91AB-2D7CD011DB47}", Guid),
            (" 72f988bf-86f1-41af-91ab-2d7cd011db47 ", Guid),
            ("contoso.onmicrosoft.com", Domain),
            ("contoso.com", Domain),
            ("Contoso.COM", Domain),
            ("fabrikam.onmicrosoft.us", Domain),
            ("contoso.partner.onmschina.cn", Domain),
            ("my-company.co.uk", Domain),
            ("xn--bcher-kva.example", Domain),
            ("common", CommonEndpoint),
            ("organizations", CommonEndpoint),
            ("Consumers", CommonEndpoint),
            ("contoso", Invalid),
            ("", Invalid),
            ("contoso.", Invalid),
            (".contoso.com", Invalid),
            ("contoso..com", Invalid),
            ("-contoso.com", Invalid),
            ("contoso-.com", Invalid),
            ("contoso.c", Invalid),
            ("contoso.123", Invalid),
            ("contoso_ltd.com", Invalid),
            ("admin@contoso.com", Invalid),
            ("\"contoso.com\"", Invalid),
            ("72f988bf86f141af91ab2d7cd011db47", Invalid),
            ("72f988bf-86f1-41af-91ab-2d7cd011db4", Invalid),
            (&format!("{}.com", "a".repeat(64)), Invalid),
        ];
        for (text, shape) in table {
            assert_eq!(tenant_shape(text), shape, "{text:?}");
        }
    }

    #[test]
    fn guids_are_found_where_people_paste_them() {
        let id = "f089354e-8366-4e18-aea3-4cb4a3a50b48";
        let table: &[(&str, Option<&str>)] = &[
            (id, Some(id)),
            ("F089354E-8366-4E18-AEA3-4CB4A3A50B48", Some(id)),
            ("f089354e83664e18aea34cb4a3a50b48", Some(id)),
            ("\"f089354e-8366-4e18-aea3-4cb4a3a50b48\"", Some(id)),
            (
                "https://app.powerbi.com/groups/f089354e-8366-4e18-aea3-4cb4a3a50b48/list?experience=power-bi",
                Some(id),
            ),
            (
                "https://app.powerbi.com/groups/f089354e-8366-4e18-aea3-4cb4a3a50b48/reports/f089354e-8366-4e18-aea3-4cb4a3a50b48",
                Some(id),
            ),
            (
                "https://app.powerbi.com/groups/f089354e-8366-4e18-aea3-4cb4a3a50b48/reports/3d9b93c6-7b6d-4801-a491-1738910904fd",
                None,
            ),
            ("Sales", None),
            ("my-powerbi-app", None),
            ("", None),
        ];
        for (text, want) in table {
            assert_eq!(guid_in(text).as_deref(), *want, "{text:?}");
        }
    }

    #[test]
    fn a_mistyped_tenant_gets_a_suggestion() {
        let table: &[(&str, Option<&str>)] = &[
            ("contoso", Some("contoso.onmicrosoft.com")),
            ("Contoso", Some("contoso.onmicrosoft.com")),
            ("contoso-ltd", Some("contoso-ltd.onmicrosoft.com")),
            ("\"contoso.com\"", Some("contoso.com")),
            ("'contoso.com'", Some("contoso.com")),
            ("contoso .com", Some("contoso.com")),
            (
                "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
                Some("contoso.onmicrosoft.com"),
            ),
            (
                "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
                Some("72f988bf-86f1-41af-91ab-2d7cd011db47"),
            ),
            ("https://login.microsoftonline.com/", None),
            ("ada@contoso.com", Some("contoso.com")),
            ("ada@contoso", None),
            (
                "72f988bf86f141af91ab2d7cd011db47",
                Some("72f988bf-86f1-41af-91ab-2d7cd011db47"),
            ),
            ("contoso_ltd", None),
            ("72f988bg-86f1-41af-91ab-2d7cd011db47", None),
            ("-contoso", None),
            ("", None),
            ("\"\"", None),
        ];
        for (text, want) in table {
            assert_eq!(tenant_suggestion(text).as_deref(), *want, "{text:?}");
        }
    }
}
