//! Fault injection for the mock Kite, controlled in-process by tests ([`super::MockKite::inject_fault`]):
//! "the next N requests to METHOD PATH fail with this fault". Faults sit outside Kite's routes and
//! change nothing while none is armed, so the mock's normal answers (and the `kiteconnect`
//! fidelity check) are untouched.

use std::time::Duration;

/// What the mock does to a matching request instead of answering it normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Holds the request for the duration, then closes the connection without an answer;
    /// the request is never handled (an order is never placed): a timeout before acceptance.
    StallBeforeHandling(Duration),
    /// Handles the request (an order is placed), then holds the answer for the duration before
    /// sending it: a timeout after acceptance when the client gives up sooner.
    StallAfterHandling(Duration),
    /// Answers `status` with a gateway's HTML page instead of Kite's envelope; `handled` says
    /// whether the request was handled first (the order placed behind the gateway).
    Gateway {
        /// HTTP status (502, 503, 504...).
        status: u16,
        /// Whether the request reached Kite's order system before the gateway failed.
        handled: bool,
    },
    /// Handles the request, then answers 200 with a truncated JSON body.
    MalformedJson,
    /// Closes the connection after reading the request, without an answer; `handled` says
    /// whether the request was handled (the order placed) before the close.
    Drop {
        /// Whether the request was handled before the connection closed.
        handled: bool,
    },
    /// Expires every session, then answers Kite's 403 `TokenException`.
    ExpireToken,
    /// Answers Kite's 429 `NetworkException` "Too many requests".
    RateLimit,
}

impl Fault {
    /// Whether the mock handles the request (and keeps its effect) before the fault.
    #[must_use]
    pub const fn handles_request(self) -> bool {
        matches!(
            self,
            Self::StallAfterHandling(_)
                | Self::MalformedJson
                | Self::Gateway { handled: true, .. }
                | Self::Drop { handled: true }
        )
    }
}

/// An armed fault: the next `remaining` requests matching `method` and `path_prefix`.
#[derive(Debug, Clone)]
pub(crate) struct FaultRule {
    pub(crate) method: String,
    pub(crate) path_prefix: String,
    pub(crate) remaining: u32,
    pub(crate) fault: Fault,
}

/// Takes one use of the first rule matching the request, if any.
pub(crate) fn take(rules: &mut Vec<FaultRule>, method: &str, path: &str) -> Option<Fault> {
    let pos = rules
        .iter()
        .position(|r| r.method == method && path.starts_with(&r.path_prefix))?;
    let rule = &mut rules[pos];
    let fault = rule.fault;
    rule.remaining = rule.remaining.saturating_sub(1);
    if rule.remaining == 0 {
        rules.remove(pos);
    }
    Some(fault)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_used_up_in_order() {
        let mut rules = vec![FaultRule {
            method: "POST".into(),
            path_prefix: "/orders".into(),
            remaining: 2,
            fault: Fault::RateLimit,
        }];
        assert_eq!(take(&mut rules, "GET", "/orders"), None);
        assert_eq!(
            take(&mut rules, "POST", "/orders/regular"),
            Some(Fault::RateLimit)
        );
        assert_eq!(
            take(&mut rules, "POST", "/orders/regular"),
            Some(Fault::RateLimit)
        );
        assert_eq!(take(&mut rules, "POST", "/orders/regular"), None);
        assert!(Fault::Drop { handled: true }.handles_request());
        assert!(!Fault::StallBeforeHandling(Duration::ZERO).handles_request());
    }
}
