//! Which cloud the hosts of a paste belong to (facts §1.4, the table in `crate::cloud`): Entra
//! authorities, Power BI and Fabric API hosts, Power BI resources, cluster (`wabi-…`) hosts and
//! `powerbi://` XMLA endpoints. Two clouds in one paste (a US Government authority and the
//! commercial API, say) are wrong-cloud evidence.

use url::Url;

use crate::cloud::{ALL, Cloud, EntraCloud, issuer_cloud};

/// What a host says about the cloud.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostCloud {
    /// An Entra ID authority of this cloud.
    Authority(EntraCloud),
    /// A Power BI (or Fabric) API, portal or resource of this cloud.
    PowerBi(Cloud),
}

impl HostCloud {
    /// The Entra cloud whose tokens the host takes or gives.
    pub fn entra(self) -> EntraCloud {
        match self {
            Self::Authority(entra) => entra,
            Self::PowerBi(cloud) => cloud.entra(),
        }
    }
}

fn entra_words(entra: EntraCloud) -> &'static str {
    match entra {
        EntraCloud::Public => "the public Entra ID",
        EntraCloud::UsGov => "the US Government Entra ID",
        EntraCloud::China => "the China Entra ID",
    }
}

/// The Power BI cloud of a host: its API, portal or resource host, `api.fabric.microsoft.com`
/// (public: sovereign Fabric hosts are not documented, facts §1.4), a public `wabi-…` cluster.
pub fn powerbi_cloud(host: &str) -> Option<Cloud> {
    let host = host.to_ascii_lowercase();
    let host = host.trim_end_matches('.');
    if matches!(
        host,
        "api.fabric.microsoft.com" | "app.fabric.microsoft.com" | "analysis.windows.net"
    ) || (host.starts_with("wabi-") && host.ends_with(".analysis.windows.net"))
    {
        return Some(Cloud::Public);
    }
    ALL.into_iter().find(|cloud| {
        let api = cloud.powerbi_api().trim_start_matches("https://");
        let app = api.replacen("api.", "app.", 1);
        let resource = Url::parse(cloud.powerbi_resource())
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        host == api || host == app || host == resource
    })
}

/// What a URL's host says about the cloud, if it is a Microsoft host this tool knows.
pub fn classify(url: &Url) -> Option<HostCloud> {
    let host = url.host_str()?;
    if let Some(entra) = issuer_cloud(&format!("https://{host}/")) {
        return Some(HostCloud::Authority(entra));
    }
    powerbi_cloud(host).map(HostCloud::PowerBi)
}

/// Words for a host and its cloud.
fn describe(host: &str, cloud: HostCloud) -> String {
    match cloud {
        HostCloud::Authority(entra) => format!("{host} ({})", entra_words(entra)),
        HostCloud::PowerBi(cloud) => format!("{host} (Power BI, {})", cloud.display()),
    }
}

/// When the hosts of the paste belong to different clouds, says which: two Entra clouds (an
/// authority of one, an API of a Power BI cloud served by the other), or two Power BI clouds
/// (GCC's resource with the commercial API). `None` when they agree or only one is known.
pub fn clash(urls: &[Url]) -> Option<String> {
    let mut seen: Vec<(String, HostCloud)> = Vec::new();
    for url in urls {
        if let (Some(host), Some(cloud)) = (url.host_str(), classify(url))
            && !seen.iter().any(|(h, _)| h.eq_ignore_ascii_case(host))
        {
            seen.push((host.to_ascii_lowercase(), cloud));
        }
    }
    let first_entra = seen.first()?.1.entra();
    if let Some((host, cloud)) = seen.iter().find(|(_, c)| c.entra() != first_entra) {
        let (first_host, first_cloud) = &seen[0];
        return Some(format!(
            "{} and {} belong to different clouds",
            describe(first_host, *first_cloud),
            describe(host, *cloud)
        ));
    }
    let powerbi: Vec<&(String, HostCloud)> = seen
        .iter()
        .filter(|(_, c)| matches!(c, HostCloud::PowerBi(_)))
        .collect();
    let (first_host, first_cloud) = powerbi.first()?;
    powerbi
        .iter()
        .find(|(_, c)| c != first_cloud)
        .map(|(host, cloud)| {
            format!(
                "{} and {} belong to different Power BI clouds",
                describe(first_host, *first_cloud),
                describe(host, *cloud)
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(list: &[&str]) -> Vec<Url> {
        list.iter().map(|u| Url::parse(u).unwrap()).collect()
    }

    #[test]
    fn knows_the_hosts_of_every_cloud() {
        for (host, cloud) in [
            ("api.powerbi.com", Cloud::Public),
            ("api.fabric.microsoft.com", Cloud::Public),
            (
                "wabi-us-north-central-redirect.analysis.windows.net",
                Cloud::Public,
            ),
            ("api.powerbigov.us", Cloud::Usgov),
            ("api.high.powerbigov.us", Cloud::Usgovhigh),
            ("api.mil.powerbigov.us", Cloud::Usdod),
            ("api.powerbi.cn", Cloud::China),
            ("app.high.powerbigov.us", Cloud::Usgovhigh),
            ("high.analysis.usgovcloudapi.net", Cloud::Usgovhigh),
        ] {
            assert_eq!(powerbi_cloud(host), Some(cloud), "{host}");
        }
        assert_eq!(powerbi_cloud("example.com"), None);
    }

    #[test]
    fn two_clouds_in_one_paste_clash() {
        // GCC High authority, commercial API
        assert!(
            clash(&urls(&[
                "https://login.microsoftonline.us/72f988bf-0000-4000-8000-000000000001",
                "https://api.powerbi.com/v1.0/myorg/admin/dashboards",
            ]))
            .is_some_and(
                |w| w.contains("login.microsoftonline.us") && w.contains("api.powerbi.com")
            )
        );
        // GCC resource, commercial API: both public Entra, two Power BI clouds
        assert!(
            clash(&urls(&[
                "https://analysis.usgovcloudapi.net/powerbi/api/.default",
                "https://api.powerbi.com/v1.0/myorg/groups",
            ]))
            .is_some()
        );
        // GCC: public authority, government API: one cloud
        assert_eq!(
            clash(&urls(&[
                "https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token",
                "https://api.powerbigov.us/v1.0/myorg/groups",
            ])),
            None
        );
        assert_eq!(
            clash(&urls(&[
                "https://login.microsoftonline.com/x",
                "https://api.fabric.microsoft.com/v1/workspaces",
                "https://api.powerbi.com/v1.0/myorg/groups",
            ])),
            None
        );
    }
}
