//! Where names lead: the resolver the HTTP client uses (injectable, so tests never touch real
//! DNS) and the rule saying which addresses are internal (loopback, private, link-local, …).

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// How the fetcher reaches hosts: the resolver for host names, and the rule for which
/// addresses are internal. [`Network::default`] is the system resolver and [`is_internal`].
#[derive(Clone)]
pub struct Network {
    pub resolver: Arc<dyn Resolve>,
    /// Whether an address is internal (not on the public internet).
    pub is_internal: fn(IpAddr) -> bool,
}

impl Network {
    /// The default rules with another resolver.
    pub fn with_resolver(resolver: impl Resolve + 'static) -> Network {
        Network {
            resolver: Arc::new(resolver),
            is_internal,
        }
    }
}

impl Default for Network {
    fn default() -> Self {
        Network::with_resolver(SystemResolver)
    }
}

impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Network").finish_non_exhaustive()
    }
}

/// The operating system's resolver (getaddrinfo, via tokio's blocking pool), as reqwest's
/// default is.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// A fixed table of names, like `/etc/hosts` and nothing else: a name not in it does not
/// resolve. For tests, and anywhere DNS must not be asked.
#[derive(Debug, Clone, Default)]
pub struct StaticHosts {
    hosts: HashMap<String, Vec<IpAddr>>,
}

impl StaticHosts {
    pub fn new<'a>(entries: impl IntoIterator<Item = (&'a str, IpAddr)>) -> StaticHosts {
        let mut hosts: HashMap<String, Vec<IpAddr>> = HashMap::new();
        for (name, ip) in entries {
            hosts.entry(name.to_ascii_lowercase()).or_default().push(ip);
        }
        StaticHosts { hosts }
    }
}

impl Resolve for StaticHosts {
    fn resolve(&self, name: Name) -> Resolving {
        let found = self.hosts.get(&name.as_str().to_ascii_lowercase()).cloned();
        let name = name.as_str().to_string();
        Box::pin(async move {
            let ips = found.ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("{name} is not in the hosts table"),
                )
            })?;
            let addrs = ips.into_iter().map(|ip| SocketAddr::new(ip, 0));
            Ok(Box::new(addrs.collect::<Vec<_>>().into_iter()) as Addrs)
        })
    }
}

/// Whether `ip` is not a public internet address: loopback (127/8, ::1), unspecified and
/// "this network" (0/8, ::), private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local
/// (169.254/16 — cloud metadata services live there — fe80::/10), shared address space
/// (CGNAT, 100.64/10), IETF protocol assignments (192.0.0/24), benchmarking (198.18/15),
/// reserved (240/4), broadcast, multicast, deprecated site-local (fec0::/10), and IPv4 behind
/// the IPv4-mapped (::ffff:0:0/96), IPv4-compatible and NAT64 (64:ff9b::/96) prefixes when
/// the embedded address is internal.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240
}

fn internal_v6(ip: Ipv6Addr) -> bool {
    let seg = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return internal_v4(v4);
    }
    // IPv4-compatible (::a.b.c.d, deprecated) and the NAT64 well-known prefix.
    let embedded = || Ipv4Addr::from((u32::from(seg[6]) << 16) | u32::from(seg[7]));
    if seg[..6] == [0; 6] && !ip.is_loopback() && !ip.is_unspecified() {
        return internal_v4(embedded());
    }
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return internal_v4(embedded());
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (seg[0] & 0xfe00) == 0xfc00
        || (seg[0] & 0xffc0) == 0xfe80
        || (seg[0] & 0xffc0) == 0xfec0
}

/// What a [`Guarded`] resolver says when a name leads only to internal addresses.
#[derive(Debug, Clone)]
pub(super) struct InternalAddress {
    pub host: String,
    pub addr: IpAddr,
}

impl fmt::Display for InternalAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} resolves to internal address {}",
            self.host, self.addr
        )
    }
}

impl std::error::Error for InternalAddress {}

/// The resolver of a guarded client: internal addresses the watch does not allow are dropped
/// from every answer, and a name with nothing else is refused ([`InternalAddress`]). The connection is
/// made to the addresses this returns, so a name that changes its answer between the check
/// and the connection (DNS rebinding) cannot slip through.
pub(super) struct Guarded {
    pub inner: Arc<dyn Resolve>,
    pub rule: super::guard::Rule,
}

impl Resolve for Guarded {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let (lookup, rule) = (self.inner.resolve(name), self.rule.clone());
        Box::pin(async move {
            let (internal, public): (Vec<SocketAddr>, Vec<SocketAddr>) = lookup
                .await?
                .partition(|a| rule.refuses(Some(&host), a.ip()));
            match internal.first() {
                Some(first) if public.is_empty() => Err(Box::new(InternalAddress {
                    host,
                    addr: first.ip(),
                }) as _),
                _ => Ok(Box::new(public.into_iter()) as Addrs),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses() {
        for ip in [
            "127.0.0.1",
            "127.9.9.9",
            "10.0.0.5",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.0.8",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "::ffff:10.0.0.5",
            "::ffff:127.0.0.1",
            "::10.0.0.5",
            "64:ff9b::a9fe:a9fe",
        ] {
            let parsed: IpAddr = ip.parse().expect("address");
            assert!(is_internal(parsed), "{ip} is internal");
        }
    }

    #[test]
    fn public_addresses() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "169.253.1.1",
            "192.0.1.1",
            "198.20.0.1",
            "93.184.215.14",
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            let parsed: IpAddr = ip.parse().expect("address");
            assert!(!is_internal(parsed), "{ip} is public");
        }
    }

    #[tokio::test]
    async fn static_hosts_resolve_only_their_names() {
        let hosts = StaticHosts::new([("Public.Test", IpAddr::from([127, 0, 0, 1]))]);
        let name = |s: &str| s.parse::<Name>().expect("name");
        let addrs: Vec<_> = hosts
            .resolve(name("public.test"))
            .await
            .expect("resolves")
            .collect();
        assert_eq!(addrs, [SocketAddr::from(([127, 0, 0, 1], 0))]);
        assert!(hosts.resolve(name("other.test")).await.is_err());
    }
}
