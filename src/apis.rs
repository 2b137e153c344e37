//! Which REST API families a run is about: Power BI's (`/v1.0/myorg/…`) and Fabric's
//! (`/v1/…`), chosen with `check --api` and `token --for`. The audience a token needs and the
//! probes that run follow from it (facts §1.3: Fabric accepts a Power BI-audience token, Power
//! BI's `/v1.0/myorg` paths refuse a Fabric-audience one).

use serde::{Deserialize, Serialize};

/// The API families a run judges and probes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Apis {
    /// Power BI's REST API only (`api.powerbi.com/v1.0/myorg/…`).
    #[value(name = "powerbi")]
    PowerBi,
    /// Fabric's REST API only (`api.fabric.microsoft.com/v1/…`).
    Fabric,
    /// Both.
    #[default]
    Both,
}

impl Apis {
    /// The name on the command line, in sessions and in the `scope.api` signal.
    pub fn name(self) -> &'static str {
        match self {
            Self::PowerBi => "powerbi",
            Self::Fabric => "fabric",
            Self::Both => "both",
        }
    }

    /// Whether Power BI's API is in the run.
    pub fn powerbi(self) -> bool {
        matches!(self, Self::PowerBi | Self::Both)
    }

    /// Whether Fabric's API is in the run.
    pub fn fabric(self) -> bool {
        matches!(self, Self::Fabric | Self::Both)
    }

    /// What a session recorded before the Fabric probes existed: Power BI's probes only.
    pub fn recorded_default() -> Self {
        Self::PowerBi
    }

    /// Whether this is the value sessions assume when the field is missing.
    pub fn is_recorded_default(&self) -> bool {
        *self == Self::PowerBi
    }
}
