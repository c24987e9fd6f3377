//! Who a request comes from. Behind a reverse proxy every phone arrives from the proxy's address,
//! so limits kept per address (activation attempts, connections) would become one global limit.
//! The client's address is read from `X-Forwarded-For`, but only when the connection comes from a
//! proxy the deployment named (`serve --trusted-proxy`): anyone else could write any address there
//! and escape every per-address limit.
//!
//! Each proxy appends the address it received the request from, so the list is read from the
//! right: every entry added by a trusted proxy is believed, and the first address that is not
//! itself a trusted proxy is the client.

use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// The header proxies append the client's address to.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// Entries of `X-Forwarded-For` read at most: a longer chain of proxies is not a deployment.
const MAX_HOPS: usize = 32;

/// Errors reading a trusted-proxy setting.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ForwardedError {
    /// Neither an address nor an address with a prefix length.
    #[error("{0:?} is not an IP address or a network such as 10.0.0.0/8")]
    NotAnAddress(String),
    /// A prefix longer than the address.
    #[error("{0:?}: the prefix length is longer than the address")]
    Prefix(String),
}

/// One address or network (`10.0.0.7`, `10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl FromStr for Network {
    type Err = ForwardedError;

    fn from_str(text: &str) -> Result<Network, ForwardedError> {
        let text = text.trim();
        let not_an_address = || ForwardedError::NotAnAddress(text.to_owned());
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr = canonical(IpAddr::from_str(addr).map_err(|_| not_an_address())?);
        let width = match addr {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        let prefix = match prefix {
            Some(prefix) => prefix.parse::<u8>().map_err(|_| not_an_address())?,
            None => width,
        };
        if prefix > width {
            return Err(ForwardedError::Prefix(text.to_owned()));
        }
        Ok(Network { addr, prefix })
    }
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl Network {
    /// Whether `ip` lies in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = mask_u32(self.prefix);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = mask_u128(self.prefix);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The top `prefix` bits set (a shift by the full width is no mask at all, not an overflow).
fn mask_u32(prefix: u8) -> u32 {
    u32::MAX
        .checked_shl(32u32.saturating_sub(u32::from(prefix)))
        .unwrap_or(0)
}

fn mask_u128(prefix: u8) -> u128 {
    u128::MAX
        .checked_shl(128u32.saturating_sub(u32::from(prefix)))
        .unwrap_or(0)
}

/// The proxies whose `X-Forwarded-For` the gateway believes; none by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

impl TrustedProxies {
    /// These networks.
    pub fn new(networks: Vec<Network>) -> TrustedProxies {
        TrustedProxies(networks)
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(ip))
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`, what a dual-stack socket reports) as the
/// IPv4 address it is, so it matches the networks and limits written for it.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// The client's address: `peer` itself unless it is a trusted proxy; then, reading
/// `X-Forwarded-For` from the right, the first address not itself trusted (or the last one
/// believed, when an entry cannot be read or the list ends).
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let mut client = canonical(peer);
    if !trusted.contains(client) {
        return client;
    }
    let entries: Vec<Option<IpAddr>> = headers
        .get_all(FORWARDED_FOR)
        .iter()
        .flat_map(|value| match value.to_str() {
            Ok(text) => text.split(',').map(entry).collect::<Vec<_>>(),
            // A value we cannot read is an entry we cannot believe.
            Err(_) => vec![None],
        })
        .collect();
    for found in entries.into_iter().rev().take(MAX_HOPS) {
        if !trusted.contains(client) {
            break;
        }
        match found {
            Some(ip) => client = canonical(ip),
            None => break,
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, possibly with a port as some proxies write it.
fn entry(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    IpAddr::from_str(text)
        .ok()
        .or_else(|| SocketAddr::from_str(text).ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
    const LOOPBACK_V6: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn trusting(networks: &[&str]) -> TrustedProxies {
        TrustedProxies::new(networks.iter().map(|n| n.parse().unwrap()).collect())
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(FORWARDED_FOR, value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn networks_parse_and_match() {
        let net: Network = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains(ip("10.1.200.3")));
        assert!(!net.contains(ip("10.2.0.1")));
        assert!(net.contains(ip("::ffff:10.1.0.9")), "IPv4 written as IPv6");
        let one: Network = "192.0.2.7".parse().unwrap();
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let all: Network = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.1")) && !all.contains(ip("2001:db8::1")));
        let v6: Network = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        let every_v6: Network = "::/0".parse().unwrap();
        assert!(every_v6.contains(ip("2001:db8::1")));
    }

    #[test]
    fn bad_networks_are_refused() {
        assert!(matches!(
            "10.0.0.0/33".parse::<Network>(),
            Err(ForwardedError::Prefix(_))
        ));
        assert!(matches!(
            "::/129".parse::<Network>(),
            Err(ForwardedError::Prefix(_))
        ));
        for bad in ["", "proxy.local", "10.0.0/8", "10.0.0.0/x", "10.0.0.0/-1"] {
            assert!(
                matches!(bad.parse::<Network>(), Err(ForwardedError::NotAnAddress(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let headers = forwarded(&["198.51.100.1"]);
        assert_eq!(
            client_address(ip("203.0.113.9"), &headers, &TrustedProxies::default()),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(ip("203.0.113.9"), &headers, &trusting(&["10.0.0.0/8"])),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client() {
        let trusted = trusting(&["10.0.0.0/8"]);
        let headers = forwarded(&["198.51.100.1"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &headers, &trusted),
            ip("198.51.100.1")
        );
        // No header: the proxy itself is all we know.
        assert_eq!(
            client_address(ip("10.0.0.2"), &HeaderMap::new(), &trusted),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn the_right_most_untrusted_entry_wins_over_what_the_client_wrote() {
        let trusted = trusting(&["10.0.0.0/8"]);
        // The client wrote a fake first entry; the proxies appended the rest.
        let headers = forwarded(&["1.1.1.1, 198.51.100.1, 10.0.0.5"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &headers, &trusted),
            ip("198.51.100.1")
        );
        // The same split over several header lines, in order.
        let headers = forwarded(&["1.1.1.1", "198.51.100.1, 10.0.0.5"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &headers, &trusted),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn an_unreadable_entry_stops_the_walk_at_the_last_address_believed() {
        let trusted = trusting(&["10.0.0.0/8"]);
        let headers = forwarded(&["198.51.100.1, garbage, 10.0.0.5"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &headers, &trusted),
            ip("10.0.0.5")
        );
        let headers = forwarded(&["198.51.100.1, garbage"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &headers, &trusted),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn ports_and_mapped_addresses_are_read() {
        let trusted = trusting(&["127.0.0.1", "::1"]);
        let headers = forwarded(&["198.51.100.1:5123"]);
        assert_eq!(
            client_address(LOOPBACK, &headers, &trusted),
            ip("198.51.100.1")
        );
        let headers = forwarded(&["[2001:db8::7]:443"]);
        assert_eq!(
            client_address(LOOPBACK_V6, &headers, &trusted),
            ip("2001:db8::7")
        );
        let headers = forwarded(&["::ffff:198.51.100.2"]);
        assert_eq!(
            client_address(ip("::ffff:127.0.0.1"), &headers, &trusted),
            ip("198.51.100.2")
        );
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_walked_to_its_end() {
        let trusted = trusting(&["10.0.0.0/8"]);
        let headers = forwarded(&["10.0.0.9, 10.0.0.8"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &headers, &trusted),
            ip("10.0.0.9")
        );
    }
}
