//! The one address rule: which internal addresses a request may reach. A URL written in the
//! watchlist goes where it says; every other URL (a link `follow` found on an index page, a
//! signature URL built from such a link, a redirect target) is refused when it leads to an
//! internal address (see [`is_internal`](super::is_internal)), unless the watch allows that
//! address with `allow_internal`.
//!
//! What is guarded: a literal address in the URL is judged before any request is made,
//! proxy or not. A host name is judged by the addresses it resolves to when canaryd connects
//! directly (the connection is made only to the addresses judged); through a proxy, the proxy
//! resolves names, so a name's addresses are the proxy's to restrict.

use std::fmt;
use std::net::IpAddr;

/// Where a URL came from, which decides how far the address rule applies to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Written in the watchlist (or typed on the command line): never refused itself; its
    /// redirects are, when it is public.
    Watchlist,
    /// Found in fetched content (a followed link, a signature URL derived from one): refused
    /// when it leads to an internal address the watch does not allow.
    Found,
}

/// Most entries one `allow_internal` may list.
pub const MAX_ALLOWED: usize = 64;

/// A watch's `allow_internal`: internal addresses (single addresses, CIDR networks) and host
/// names its found URLs and redirects may reach. Empty: none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AllowInternal {
    nets: Vec<(IpAddr, u8)>,
    /// Lower-case, without a trailing dot.
    hosts: Vec<String>,
}

/// Which `allow_internal` entry is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllowInternalError {
    #[error("more than {MAX_ALLOWED} entries")]
    TooMany,
    #[error("\"{0}\" is not an address/prefix (CIDR)")]
    NotAnAddress(String),
    #[error("\"{entry}\": the prefix length must be 0 to {max}")]
    Prefix { entry: String, max: u8 },
    #[error("\"{0}\" is neither an address, a network (CIDR) nor a host name")]
    Neither(String),
}

impl AllowInternal {
    /// Parses entries such as `"127.0.0.1"`, `"10.0.0.0/8"`, `"fd00::/8"`, `"intranet.example"`.
    pub fn parse<'a>(
        entries: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, AllowInternalError> {
        let mut allow = AllowInternal::default();
        for entry in entries {
            let entry = entry.trim();
            if allow.nets.len() + allow.hosts.len() >= MAX_ALLOWED {
                return Err(AllowInternalError::TooMany);
            }
            if let Some((addr, bits)) = entry.split_once('/') {
                let addr: IpAddr = addr
                    .parse()
                    .map_err(|_| AllowInternalError::NotAnAddress(entry.to_string()))?;
                let max = if addr.is_ipv4() { 32 } else { 128 };
                let bits: u8 = bits.parse().ok().filter(|b| *b <= max).ok_or_else(|| {
                    AllowInternalError::Prefix {
                        entry: entry.to_string(),
                        max,
                    }
                })?;
                allow.nets.push((mask(addr, bits), bits));
            } else if let Ok(addr) = entry.trim_matches(['[', ']']).parse::<IpAddr>() {
                allow
                    .nets
                    .push((addr, if addr.is_ipv4() { 32 } else { 128 }));
            } else {
                let host = entry.trim_end_matches('.').to_ascii_lowercase();
                let valid = !host.is_empty()
                    && host.split('.').all(|label| {
                        !label.is_empty()
                            && label.len() <= 63
                            && label
                                .bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    });
                if !valid {
                    return Err(AllowInternalError::Neither(entry.to_string()));
                }
                allow.hosts.push(host);
            }
        }
        Ok(allow)
    }

    pub fn is_empty(&self) -> bool {
        self.nets.is_empty() && self.hosts.is_empty()
    }

    /// Whether `ip` lies in one of the allowed networks.
    pub fn permits_addr(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.nets
            .iter()
            .any(|(net, bits)| net.is_ipv4() == ip.is_ipv4() && mask(ip, *bits) == *net)
    }

    /// Whether the host name is one the watch allows to resolve to internal addresses.
    pub fn permits_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }
}

impl fmt::Display for AllowInternal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nets = self.nets.iter().map(|(a, b)| {
            if *b == if a.is_ipv4() { 32 } else { 128 } {
                a.to_string()
            } else {
                format!("{a}/{b}")
            }
        });
        let all: Vec<String> = nets.chain(self.hosts.iter().cloned()).collect();
        f.write_str(&all.join(", "))
    }
}

/// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn mask(ip: IpAddr, bits: u8) -> IpAddr {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            let m = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            IpAddr::V4((u32::from(v4) & m).into())
        }
        IpAddr::V6(v6) => {
            let m = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            IpAddr::V6((u128::from(v6) & m).into())
        }
    }
}

/// The rule a guarded client applies: internal unless allowed.
#[derive(Clone)]
pub(super) struct Rule {
    pub is_internal: fn(IpAddr) -> bool,
    pub allow: std::sync::Arc<AllowInternal>,
}

impl Rule {
    /// Whether `addr` (reached through `host`, when a name led there) must not be reached.
    pub(super) fn refuses(&self, host: Option<&str>, addr: IpAddr) -> bool {
        (self.is_internal)(addr)
            && !self.allow.permits_addr(addr)
            && !host.is_some_and(|h| self.allow.permits_host(h))
    }
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("allow", &self.allow)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    #[test]
    fn entries_are_addresses_networks_or_names() {
        let a = AllowInternal::parse(["127.0.0.1", "10.0.0.0/8", "fd00::/8", "Intranet.Example."])
            .expect("valid");
        assert!(a.permits_addr(ip("127.0.0.1")));
        assert!(!a.permits_addr(ip("127.0.0.2")));
        assert!(a.permits_addr(ip("10.200.3.4")));
        assert!(a.permits_addr(ip("::ffff:10.1.1.1")));
        assert!(a.permits_addr(ip("fd12::1")));
        assert!(!a.permits_addr(ip("fe80::1")));
        assert!(!a.permits_addr(ip("169.254.169.254")));
        assert!(a.permits_host("intranet.example"));
        assert!(!a.permits_host("other.example"));
        assert_eq!(
            a.to_string(),
            "127.0.0.1, 10.0.0.0/8, fd00::/8, intranet.example"
        );
        let prefix = AllowInternal::parse(["10.0.0.0/33"]).expect_err("/33");
        assert_eq!(
            prefix,
            AllowInternalError::Prefix {
                entry: "10.0.0.0/33".into(),
                max: 32
            }
        );
        assert_eq!(
            prefix.to_string(),
            "\"10.0.0.0/33\": the prefix length must be 0 to 32"
        );
        assert_eq!(
            AllowInternal::parse(["not a host"]),
            Err(AllowInternalError::Neither("not a host".into()))
        );
        assert_eq!(
            AllowInternal::parse(["10.0.0.1/x"]),
            Err(AllowInternalError::Prefix {
                entry: "10.0.0.1/x".into(),
                max: 32
            })
        );
        assert!(AllowInternal::parse(["0.0.0.0/0"]).is_ok_and(|a| a.permits_addr(ip("10.1.1.1"))));
    }

    #[test]
    fn the_rule_refuses_internal_addresses_not_allowed() {
        let rule = Rule {
            is_internal: super::super::is_internal,
            allow: std::sync::Arc::new(
                AllowInternal::parse(["192.168.1.0/24", "nas.lan"]).expect("valid"),
            ),
        };
        assert!(rule.refuses(None, ip("169.254.169.254")));
        assert!(rule.refuses(Some("evil.example"), ip("10.0.0.1")));
        assert!(!rule.refuses(None, ip("192.168.1.7")));
        assert!(!rule.refuses(Some("nas.lan"), ip("10.0.0.1")));
        assert!(!rule.refuses(None, ip("93.184.215.14")));
    }
}
