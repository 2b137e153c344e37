//! The national clouds: authority host, Power BI resource and REST API base of each
//! (research facts §1.4, from the Power BI national-clouds page and the Entra national-cloud page),
//! and recognising which cloud and resource a token was issued for.

use serde::{Deserialize, Serialize};

/// A Microsoft cloud that hosts Power BI. Read by [`Cloud::from_name`], which takes the other
/// names people type ([`ALIASES`]) too, on the command line, in profiles and in sessions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    /// Public (commercial) cloud.
    Public,
    /// US Government Community Cloud (GCC): commercial Entra ID, government Power BI.
    Usgov,
    /// US Government GCC High.
    Usgovhigh,
    /// US Department of Defense.
    Usdod,
    /// China, operated by 21Vianet.
    China,
}

/// The Entra ID cloud a token's issuer belongs to. GCC shares the public one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntraCloud {
    /// login.microsoftonline.com / sts.windows.net.
    Public,
    /// login.microsoftonline.us.
    UsGov,
    /// login.partner.microsoftonline.cn / login.chinacloudapi.cn / sts.chinacloudapi.cn.
    China,
}

impl EntraCloud {
    /// The `claims.issuer_cloud` signal value.
    pub fn signal(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::UsGov => "usgov",
            Self::China => "china",
        }
    }
}

/// Every cloud, in the order the help lists them.
pub const ALL: [Cloud; 5] = [
    Cloud::Public,
    Cloud::Usgov,
    Cloud::Usgovhigh,
    Cloud::Usdod,
    Cloud::China,
];

/// Other names for the clouds, as people and peer tools write them: the Microsoft 365 names (GCC,
/// GCC High, DoD), MicrosoftPowerBIMgmt's `-Environment` values (`USGovHigh`, `USGovMil`), the
/// Power BI docs' `DoDCON` for GCC High, and Azure China's old code name. Matched ignoring case.
pub const ALIASES: [(&str, Cloud); 8] = [
    ("commercial", Cloud::Public),
    ("gcc", Cloud::Usgov),
    ("gcchigh", Cloud::Usgovhigh),
    ("gcc-high", Cloud::Usgovhigh),
    ("dodcon", Cloud::Usgovhigh),
    ("dod", Cloud::Usdod),
    ("usgovmil", Cloud::Usdod),
    ("mooncake", Cloud::China),
];

/// The Power BI Service first-party application id; a v1 token requested by app id carries it as
/// `aud` (facts §1.3).
pub const POWERBI_APP_ID: &str = "00000009-0000-0000-c000-000000000000";

/// Fabric's own resource (scope is this plus `/.default`), facts §1.3.
pub const FABRIC_RESOURCE: &str = "https://api.fabric.microsoft.com";

/// China's authority host as the Power BI docs and samples give it. The Entra docs give
/// `login.partner.microsoftonline.cn`, which is the default; this one is accepted everywhere too.
pub const CHINA_ALTERNATE_AUTHORITY: &str = "https://login.chinacloudapi.cn";

impl Cloud {
    /// The cloud a name stands for: its own name or one of its [`ALIASES`], ignoring case and
    /// surrounding blanks.
    pub fn from_name(name: &str) -> Option<Cloud> {
        let name = name.trim();
        ALL.into_iter()
            .map(|cloud| (cloud.name(), cloud))
            .chain(ALIASES)
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, cloud)| cloud)
    }

    /// The other names this cloud is known by.
    pub fn aliases(self) -> impl Iterator<Item = &'static str> {
        ALIASES
            .into_iter()
            .filter(move |(_, cloud)| *cloud == self)
            .map(|(name, _)| name)
    }

    /// Every name accepted, for messages: `public (commercial), usgov (gcc), …`.
    pub fn accepted_names() -> String {
        ALL.into_iter()
            .map(|cloud| {
                let aliases: Vec<&str> = cloud.aliases().collect();
                if aliases.is_empty() {
                    cloud.name().to_owned()
                } else {
                    format!("{} ({})", cloud.name(), aliases.join(", "))
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Usgov => "usgov",
            Self::Usgovhigh => "usgovhigh",
            Self::Usdod => "usdod",
            Self::China => "china",
        }
    }

    /// A name for people.
    pub fn display(self) -> &'static str {
        match self {
            Self::Public => "public cloud",
            Self::Usgov => "US Government (GCC)",
            Self::Usgovhigh => "US Government (GCC High)",
            Self::Usdod => "US Department of Defense",
            Self::China => "China (21Vianet)",
        }
    }

    /// The Entra ID authority host.
    pub fn authority_host(self) -> &'static str {
        match self {
            Self::Public | Self::Usgov => "https://login.microsoftonline.com",
            Self::Usgovhigh | Self::Usdod => "https://login.microsoftonline.us",
            Self::China => "https://login.partner.microsoftonline.cn",
        }
    }

    /// The Power BI resource (scope is this plus `/.default`).
    pub fn powerbi_resource(self) -> &'static str {
        match self {
            Self::Public => "https://analysis.windows.net/powerbi/api",
            Self::Usgov => "https://analysis.usgovcloudapi.net/powerbi/api",
            Self::Usgovhigh => "https://high.analysis.usgovcloudapi.net/powerbi/api",
            Self::Usdod => "https://mil.analysis.usgovcloudapi.net/powerbi/api",
            Self::China => "https://analysis.chinacloudapi.cn/powerbi/api",
        }
    }

    /// The Power BI REST API base.
    pub fn powerbi_api(self) -> &'static str {
        match self {
            Self::Public => "https://api.powerbi.com",
            Self::Usgov => "https://api.powerbigov.us",
            Self::Usgovhigh => "https://api.high.powerbigov.us",
            Self::Usdod => "https://api.mil.powerbigov.us",
            Self::China => "https://api.powerbi.cn",
        }
    }

    /// The Fabric REST API base (`/v1/workspaces`, …), without a trailing slash. Only the public
    /// value is verified: research found no sovereign equivalent of `api.fabric.microsoft.com`
    /// (facts §1.4; terraform-provider-fabric asks for `FABRIC_ENDPOINT` by hand there). The
    /// others are the cloud's Power BI API host, where the Fabric v1 admin path is seen to work
    /// (ScubaGear calls `/v1/admin/tenantsettings` on the GCC and GCC High hosts): **unverified**
    /// for GCC, GCC High, DoD and China; give `--fabric-api` when it is known.
    pub fn fabric_api(self) -> &'static str {
        match self {
            Self::Public => "https://api.fabric.microsoft.com",
            Self::Usgov => "https://api.powerbigov.us",
            Self::Usgovhigh => "https://api.high.powerbigov.us",
            Self::Usdod => "https://api.mil.powerbigov.us",
            Self::China => "https://api.powerbi.cn",
        }
    }

    /// The Microsoft Graph base (no trailing slash). The public, US Government L4 (GCC High), L5
    /// (DoD) and China hosts are the service roots of learn.microsoft.com/graph/deployments
    /// (facts §7 had them as inferred; checked there). GCC signs in with commercial Entra ID and
    /// so uses the global Graph \[inferred\]. `--graph-api` overrides any of them.
    pub fn graph_api(self) -> &'static str {
        match self {
            Self::Public | Self::Usgov => "https://graph.microsoft.com",
            Self::Usgovhigh => "https://graph.microsoft.us",
            Self::Usdod => "https://dod-graph.microsoft.us",
            Self::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }

    /// The Entra cloud whose tokens this Power BI cloud accepts.
    pub fn entra(self) -> EntraCloud {
        match self {
            Self::Public | Self::Usgov => EntraCloud::Public,
            Self::Usgovhigh | Self::Usdod => EntraCloud::UsGov,
            Self::China => EntraCloud::China,
        }
    }
}

impl<'de> Deserialize<'de> for Cloud {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Cloud::from_name(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown cloud {name:?}: use one of {}",
                Cloud::accepted_names()
            ))
        })
    }
}

/// On the command line: the names, each with its aliases, and in `--help` what each cloud is.
impl clap::ValueEnum for Cloud {
    fn value_variants<'a>() -> &'a [Self] {
        &ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let aliases: Vec<&str> = self.aliases().collect();
        let help = if aliases.is_empty() {
            self.display().to_owned()
        } else {
            format!("{} [also: {}]", self.display(), aliases.join(", "))
        };
        Some(
            clap::builder::PossibleValue::new(self.name())
                .aliases(aliases)
                .help(help),
        )
    }
}

/// What a token's audience says it is for. The names are the `scope.audience` signal values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// The Power BI resource of the expected cloud (or the Power BI app id).
    PowerBi,
    /// The Power BI resource of another cloud.
    PowerBiOtherCloud(Cloud),
    /// Microsoft Fabric's own resource.
    Fabric,
    /// Microsoft Graph.
    Graph,
    /// The retired Azure AD Graph.
    AadGraph,
    /// Azure Resource Manager.
    Arm,
    /// Something else.
    Other,
    /// The token has no `aud` claim.
    Missing,
}

impl Audience {
    /// The `scope.audience` signal value.
    pub fn signal(self) -> &'static str {
        match self {
            Self::PowerBi => "powerbi",
            Self::PowerBiOtherCloud(_) => "powerbi-other-cloud",
            Self::Fabric => "fabric",
            Self::Graph => "graph",
            Self::AadGraph => "aad-graph",
            Self::Arm => "arm",
            Self::Other => "other",
            Self::Missing => "missing",
        }
    }

    /// What the token is for, in words.
    pub fn describe(self) -> String {
        match self {
            Self::PowerBi => "Power BI".to_owned(),
            Self::PowerBiOtherCloud(cloud) => {
                format!("Power BI in another cloud ({})", cloud.display())
            }
            Self::Fabric => "Microsoft Fabric's own API (api.fabric.microsoft.com)".to_owned(),
            Self::Graph => "Microsoft Graph".to_owned(),
            Self::AadGraph => "Azure AD Graph (retired)".to_owned(),
            Self::Arm => "Azure Resource Manager".to_owned(),
            Self::Other => "another resource".to_owned(),
            Self::Missing => "nothing: it has no aud claim".to_owned(),
        }
    }
}

fn normalise_uri(uri: &str) -> String {
    uri.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// Classifies one audience value against the cloud the user asked for.
pub fn classify_audience(aud: &str, expected: Cloud) -> Audience {
    let aud = normalise_uri(aud);
    if aud == POWERBI_APP_ID || aud == normalise_uri(expected.powerbi_resource()) {
        return Audience::PowerBi;
    }
    if let Some(cloud) = ALL
        .into_iter()
        .find(|c| normalise_uri(c.powerbi_resource()) == aud)
    {
        return Audience::PowerBiOtherCloud(cloud);
    }
    match aud.as_str() {
        "https://api.fabric.microsoft.com" => Audience::Fabric,
        "https://graph.microsoft.com"
        | "00000003-0000-0000-c000-000000000000"
        | "https://graph.microsoft.us"
        | "https://dod-graph.microsoft.us"
        | "https://microsoftgraph.chinacloudapi.cn" => Audience::Graph,
        "https://graph.windows.net" | "00000002-0000-0000-c000-000000000000" => Audience::AadGraph,
        "https://management.azure.com"
        | "https://management.core.windows.net"
        | "https://management.usgovcloudapi.net"
        | "https://management.chinacloudapi.cn"
        | "797f4846-ba00-4fd7-ba43-dac1f8f63013" => Audience::Arm,
        _ => Audience::Other,
    }
}

/// Classifies a token's audiences: Power BI wins if any audience is Power BI.
pub fn classify_audiences(auds: &[String], expected: Cloud) -> Audience {
    let classes: Vec<Audience> = auds
        .iter()
        .map(|a| classify_audience(a, expected))
        .collect();
    if classes.is_empty() {
        return Audience::Missing;
    }
    classes
        .iter()
        .copied()
        .find(|a| *a == Audience::PowerBi)
        .unwrap_or(classes[0])
}

/// The Entra cloud of an issuer URL, when recognised.
pub fn issuer_cloud(iss: &str) -> Option<EntraCloud> {
    let host = url::Url::parse(iss).ok()?.host_str()?.to_ascii_lowercase();
    match host.as_str() {
        "sts.windows.net" | "login.microsoftonline.com" | "login.windows.net" => {
            Some(EntraCloud::Public)
        }
        "login.microsoftonline.us" => Some(EntraCloud::UsGov),
        "sts.chinacloudapi.cn" | "login.chinacloudapi.cn" | "login.partner.microsoftonline.cn" => {
            Some(EntraCloud::China)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_audiences() {
        let p = Cloud::Public;
        assert_eq!(
            classify_audience("https://analysis.windows.net/powerbi/api", p),
            Audience::PowerBi
        );
        assert_eq!(
            classify_audience("https://analysis.windows.net/powerbi/api/", p),
            Audience::PowerBi
        );
        assert_eq!(
            classify_audience(POWERBI_APP_ID, Cloud::Usdod),
            Audience::PowerBi
        );
        assert_eq!(
            classify_audience("https://analysis.usgovcloudapi.net/powerbi/api", p),
            Audience::PowerBiOtherCloud(Cloud::Usgov)
        );
        assert_eq!(
            classify_audience("https://api.fabric.microsoft.com", p),
            Audience::Fabric
        );
        assert_eq!(
            classify_audience("https://graph.microsoft.com", p),
            Audience::Graph
        );
        assert_eq!(
            classify_audience("https://management.core.windows.net/", p),
            Audience::Arm
        );
        assert_eq!(classify_audience("api://something", p), Audience::Other);
        assert_eq!(classify_audiences(&[], p), Audience::Missing);
    }

    #[test]
    fn clouds_are_read_by_name_and_by_alias() {
        let table = [
            ("public", Some(Cloud::Public)),
            ("Commercial", Some(Cloud::Public)),
            ("usgov", Some(Cloud::Usgov)),
            ("gcc", Some(Cloud::Usgov)),
            ("GCC", Some(Cloud::Usgov)),
            ("usgovhigh", Some(Cloud::Usgovhigh)),
            ("gcchigh", Some(Cloud::Usgovhigh)),
            ("gcc-high", Some(Cloud::Usgovhigh)),
            ("DoDCON", Some(Cloud::Usgovhigh)),
            ("usdod", Some(Cloud::Usdod)),
            ("dod", Some(Cloud::Usdod)),
            ("USGovMil", Some(Cloud::Usdod)),
            ("china", Some(Cloud::China)),
            ("mooncake", Some(Cloud::China)),
            (" gcc ", Some(Cloud::Usgov)),
            ("germany", None),
            ("gcc high", None),
            ("", None),
        ];
        for (name, cloud) in table {
            assert_eq!(Cloud::from_name(name), cloud, "{name:?}");
        }
        // Every cloud reads back from its own name; sessions keep writing that name.
        for cloud in ALL {
            assert_eq!(Cloud::from_name(cloud.name()), Some(cloud));
            assert_eq!(
                serde_json::to_string(&cloud).unwrap(),
                format!("\"{}\"", cloud.name())
            );
            let back: Cloud = serde_json::from_str(&format!("\"{}\"", cloud.name())).unwrap();
            assert_eq!(back, cloud);
        }
        assert_eq!(
            Cloud::accepted_names(),
            "public (commercial), usgov (gcc), usgovhigh (gcchigh, gcc-high, dodcon), usdod (dod, usgovmil), china (mooncake)"
        );
    }

    #[test]
    fn recognises_issuer_clouds() {
        assert_eq!(
            issuer_cloud("https://sts.windows.net/72f988bf/"),
            Some(EntraCloud::Public)
        );
        assert_eq!(
            issuer_cloud("https://login.microsoftonline.us/x/v2.0"),
            Some(EntraCloud::UsGov)
        );
        assert_eq!(
            issuer_cloud("https://sts.chinacloudapi.cn/x/"),
            Some(EntraCloud::China)
        );
        assert_eq!(
            issuer_cloud("https://token.actions.githubusercontent.com"),
            None
        );
    }
}
