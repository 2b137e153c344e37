//! Connections opened ahead of their first request: TCP and TLS to the API host while the token
//! is still being asked for, so the probes find them ready. No request is sent to open them.
//!
//! reqwest has no call that only connects, and its pool takes connections only from its own
//! connector. So the connector gets a layer ([`WarmLayer`]): a *warm-up* (a request sent inside
//! [`WARMING`], to an origin no connection has been made to, so the pool has none to hand it)
//! starts the connection in a task of its own and fails at once, before any byte of HTTP is
//! written; the connection, once up, waits in a slot. The next real request to that origin takes
//! it from the slot instead of connecting; if the warm connection failed, it connects itself, so
//! errors are reported exactly as without warming.

use std::any::Any;
use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::sync::oneshot;

tokio::task_local! {
    /// Set while a warm-up request runs: its connection goes to a slot, the request fails.
    static WARMING: ();
}

type Slot = oneshot::Receiver<Box<dyn Any + Send>>;

#[derive(Default)]
struct State {
    /// Origins warmed up already (or connected to): not again.
    opened: HashSet<String>,
    /// Origins a real request has asked a connection for: the pool may hold one, which a
    /// warm-up would be handed and send on, so none starts after that.
    connected: HashSet<String>,
    /// Warm connections (or their coming), per origin, for the next real requests.
    ready: HashMap<String, VecDeque<Slot>>,
}

/// What the layer and the transport share.
#[derive(Clone, Default)]
pub(super) struct Warm(Arc<Mutex<State>>);

impl Warm {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens `connections` connections to `origin` (`scheme://host:port`) through `client`,
    /// unless one was already asked for. Returns how many warm-ups were started.
    pub(super) fn open(
        &self,
        client: &reqwest::Client,
        origin: &url::Url,
        connections: usize,
    ) -> usize {
        let key = origin.origin().ascii_serialization();
        {
            let mut state = self.state();
            if connections == 0
                || state.connected.contains(&key)
                || !state.opened.insert(key.clone())
            {
                return 0;
            }
        }
        for _ in 0..connections {
            let (warm, client, origin, key) =
                (self.clone(), client.clone(), origin.clone(), key.clone());
            // Spawned: it must run while the caller waits for the token. It ends on its first
            // poll (the layer fails it), so it outlives nothing. The check and the pool's
            // checkout run in that same poll, so no pooled connection can come between them.
            tokio::spawn(WARMING.scope((), async move {
                if warm.state().connected.contains(&key) {
                    return;
                }
                let _ = client.get(origin).send().await;
            }));
        }
        connections
    }
}

/// The connector layer; see the module's documentation.
#[derive(Clone)]
pub(super) struct WarmLayer(pub(super) Warm);

impl<S> tower_layer::Layer<S> for WarmLayer {
    type Service = WarmService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        WarmService {
            inner,
            warm: self.0.clone(),
        }
    }
}

#[derive(Clone)]
pub(super) struct WarmService<S> {
    inner: S,
    warm: Warm,
}

/// The error a warm-up request ends with; never reported (the warm-up's result is dropped).
#[derive(Debug, thiserror::Error)]
#[error("connection opened ahead of its first request")]
struct WarmedUp;

/// The origin of the connector's request. reqwest's request type cannot be named; its debug
/// form is `Unnameable(scheme://host:port/)`.
fn origin_of(request: &impl std::fmt::Debug) -> Option<String> {
    let text = format!("{request:?}");
    let inner = text.strip_prefix("Unnameable(")?.strip_suffix(')')?;
    Some(url::Url::parse(inner).ok()?.origin().ascii_serialization())
}

impl<S, R> tower_service::Service<R> for WarmService<S>
where
    S: tower_service::Service<R> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
    S::Error: From<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
    R: std::fmt::Debug + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        // The ready service answers this call; a fresh clone waits for the next poll_ready.
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        // Unknown form: no warming at all, every call connects as it would without the layer.
        let Some(key) = origin_of(&request) else {
            return Box::pin(inner.call(request));
        };
        if WARMING.try_with(|_| ()).is_ok() {
            let (give, slot) = oneshot::channel();
            self.warm
                .state()
                .ready
                .entry(key)
                .or_default()
                .push_back(slot);
            let connecting = inner.call(request);
            tokio::spawn(async move {
                if let Ok(connection) = connecting.await {
                    let _ = give.send(Box::new(connection) as Box<dyn Any + Send>);
                }
            });
            let refused: Box<dyn std::error::Error + Send + Sync> = Box::new(WarmedUp);
            return Box::pin(std::future::ready(Err(refused.into())));
        }
        let slot = {
            let mut state = self.warm.state();
            state.connected.insert(key.clone());
            state.ready.get_mut(&key).and_then(VecDeque::pop_front)
        };
        Box::pin(async move {
            if let Some(slot) = slot
                && let Ok(connection) = slot.await
                && let Ok(connection) = connection.downcast::<S::Response>()
            {
                return Ok(*connection);
            }
            inner.call(request).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn the_origin_is_read_from_the_debug_form_or_not_at_all() {
        struct Shown(&'static str);
        impl std::fmt::Debug for Shown {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }
        assert_eq!(
            origin_of(&Shown("Unnameable(https://api.powerbi.com/)")).as_deref(),
            Some("https://api.powerbi.com")
        );
        assert_eq!(
            origin_of(&Shown("Unnameable(http://127.0.0.1:8080/)")).as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin_of(&Shown("Other { uri: x }")), None);
    }
}
