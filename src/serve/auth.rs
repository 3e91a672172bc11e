//! Who is calling: the client address (through trusted proxies only) and
//! the admin check.
//!
//! * The client address is the TCP peer, unless the peer is a trusted proxy
//!   (`--trusted-proxy`): then it is the right-most `X-Forwarded-For` entry
//!   that is not itself a trusted proxy. A client cannot choose its address
//!   by sending the header itself.
//! * Admin calls (`/v1/admin/*`, `/metrics`) need `Authorization: Bearer
//!   <token>` (scheme in any case) when a token is configured, compared in
//!   constant time (`subtle`). Without a token the server only starts when it
//!   listens on loopback with no trusted proxy, and then admin calls are
//!   accepted from loopback peers that did not come through a proxy (no
//!   `Forwarded` / `X-Forwarded-For` header).

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::http::{HeaderMap, StatusCode, header};
use subtle::ConstantTimeEq;

use super::api::ApiError;

/// An address or a network (`10.0.0.0/8`, `::1/128`, `127.0.0.1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// True when `ip` is inside this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// `::ffff:1.2.3.4` is `1.2.3.4`.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl FromStr for IpNet {
    type Err = String;

    /// ```
    /// use madoguchi::serve::auth::IpNet;
    /// let net: IpNet = "10.0.0.0/8".parse().unwrap();
    /// assert!(net.contains("10.1.2.3".parse().unwrap()));
    /// assert!(!net.contains("11.0.0.1".parse().unwrap()));
    /// assert!("127.0.0.1".parse::<IpNet>().unwrap().contains("127.0.0.1".parse().unwrap()));
    /// assert!("10.0.0.0/33".parse::<IpNet>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr = canonical(IpAddr::from_str(addr.trim()).map_err(|e| format!("{s:?}: {e}"))?);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.trim().parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("{s:?}: prefix must be 0-{max}"))?,
            None => max,
        };
        Ok(Self { addr, prefix })
    }
}

/// The client's address for rate limits (see the module docs).
pub fn client_ip(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer_ip = canonical(peer.ip());
    if !trusted.iter().any(|n| n.contains(peer_ip)) {
        return peer_ip;
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| IpAddr::from_str(s.trim()).map(canonical))
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    hops.into_iter().rev().find(|ip| !trusted.iter().any(|n| n.contains(*ip))).unwrap_or(peer_ip)
}

/// The bearer token of an `Authorization` header (scheme in any case).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Checks an admin call (see the module docs).
pub fn check_admin(token: Option<&str>, peer: SocketAddr, headers: &HeaderMap) -> Result<(), ApiError> {
    match token {
        Some(token) => {
            let given = bearer(headers).unwrap_or("");
            if bool::from(given.as_bytes().ct_eq(token.as_bytes())) {
                Ok(())
            } else {
                Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "admin calls need Authorization: Bearer <token>"))
            }
        }
        None if peer.ip().is_loopback() && !headers.contains_key("x-forwarded-for") && !headers.contains_key(header::FORWARDED) => {
            Ok(())
        }
        None => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "without an admin token, admin calls are accepted only from loopback clients that did not come through a proxy",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["127.0.0.1".parse().unwrap(), "10.0.0.0/8".parse().unwrap()];
        let proxy: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let stranger: SocketAddr = "203.0.113.9:5000".parse().unwrap();
        let h = headers(&[("x-forwarded-for", "198.51.100.1, 192.0.2.7, 10.1.1.1")]);
        assert_eq!(client_ip(proxy, &h, &trusted), "192.0.2.7".parse::<IpAddr>().unwrap());
        assert_eq!(client_ip(stranger, &h, &trusted), "203.0.113.9".parse::<IpAddr>().unwrap(), "spoofed header ignored");
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy.ip());
        assert_eq!(client_ip(proxy, &headers(&[("x-forwarded-for", "garbage")]), &trusted), proxy.ip());
        assert_eq!(client_ip(proxy, &h, &[]), proxy.ip(), "no trusted proxy: the peer");
    }

    #[test]
    fn admin_token_scheme_is_case_insensitive_and_compared_whole() {
        let peer: SocketAddr = "203.0.113.9:1".parse().unwrap();
        for scheme in ["Bearer", "bearer", "BEARER"] {
            let h = headers(&[("authorization", &format!("{scheme} s3cret"))]);
            assert!(check_admin(Some("s3cret"), peer, &h).is_ok(), "{scheme}");
        }
        for wrong in ["Bearer s3cre", "Bearer s3cret2", "Basic s3cret", "s3cret", "Bearer"] {
            let h = headers(&[("authorization", wrong)]);
            assert_eq!(check_admin(Some("s3cret"), peer, &h).unwrap_err().status, StatusCode::UNAUTHORIZED, "{wrong}");
        }
        let local: SocketAddr = "127.0.0.1:1".parse().unwrap();
        assert!(check_admin(None, local, &HeaderMap::new()).is_ok());
        assert!(check_admin(None, local, &headers(&[("x-forwarded-for", "203.0.113.9")])).is_err(), "came through a proxy");
        assert!(check_admin(None, peer, &HeaderMap::new()).is_err());
    }
}
