//! Where players on the room's network can reach this server, and the QR code of a
//! join link, drawn here so that a room without internet still gets one.
//!
//! `GET /api/lan` answers the address the server listens on and, when that is every
//! interface (`0.0.0.0` or `::`), the addresses of this machine's non-loopback
//! interfaces with the port. Bound to a loopback address, it says so and lists
//! nothing: other devices cannot reach the server.
//!
//! `GET /api/qr?text=…` answers an SVG QR code of a short `http(s)://` address.

use std::net::{IpAddr, SocketAddr};

use actix_web::{HttpRequest, HttpResponse, web};
use qrcode::QrCode;
use qrcode::render::svg;
use serde::{Deserialize, Serialize};

use super::http::{ApiError, only};

/// The longest text a QR code is drawn for: a join link is far shorter.
const QR_MAX: usize = 300;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(only("/api/lan", "GET", web::get().to(lan)))
        .service(only("/api/qr", "GET", web::get().to(qr)));
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Lan {
    /// The address the server listens on, as bound.
    pub bound: String,
    pub port: u16,
    /// True when the server listens on every interface.
    pub all_interfaces: bool,
    /// True when it listens on a loopback address only: nothing else can reach it.
    pub loopback_only: bool,
    /// Addresses other devices may use, IPv4 first.
    pub addresses: Vec<String>,
    /// The same as `http://address:port` links.
    pub urls: Vec<String>,
}

/// What the room can reach, from the bound address and this machine's interfaces.
pub fn describe(bound: SocketAddr, interfaces: &[IpAddr]) -> Lan {
    let ip = bound.ip();
    let all = ip.is_unspecified();
    let mut addresses: Vec<IpAddr> = if all {
        interfaces
            .iter()
            .copied()
            .filter(|a| reachable(*a) && (bound.is_ipv6() || a.is_ipv4()))
            .collect()
    } else if reachable(ip) {
        vec![ip]
    } else {
        Vec::new()
    };
    addresses.sort_by_key(|a| (a.is_ipv6(), *a));
    addresses.dedup();
    let port = bound.port();
    let urls = addresses
        .iter()
        .map(|a| match a {
            IpAddr::V4(v4) => format!("http://{v4}:{port}"),
            IpAddr::V6(v6) => format!("http://[{v6}]:{port}"),
        })
        .collect();
    Lan {
        bound: bound.to_string(),
        port,
        all_interfaces: all,
        loopback_only: ip.is_loopback(),
        addresses: addresses.iter().map(IpAddr::to_string).collect(),
        urls,
    }
}

/// An address a phone in the room could use: not loopback, not unspecified, not an
/// IPv6 link-local one (those need a zone a browser address cannot carry).
fn reachable(a: IpAddr) -> bool {
    if a.is_loopback() || a.is_unspecified() || a.is_multicast() {
        return false;
    }
    match a {
        IpAddr::V4(_) => true,
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) != 0xfe80,
    }
}

async fn lan(req: HttpRequest) -> HttpResponse {
    let bound = req.app_config().local_addr();
    let interfaces: Vec<IpAddr> = if bound.ip().is_unspecified() {
        match if_addrs::get_if_addrs() {
            Ok(list) => list.iter().map(|i| i.ip()).collect(),
            Err(e) => {
                tracing::warn!("cannot list network interfaces: {e}");
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(describe(bound, &interfaces))
}

#[derive(Deserialize)]
struct QrQuery {
    text: String,
}

/// The QR code of `text` as SVG, black on white with the standard quiet zone.
pub fn qr_svg(text: &str) -> Result<String, ApiError> {
    if text.len() > QR_MAX {
        return Err(ApiError::BadRequest(format!(
            "A QR code is drawn for at most {QR_MAX} characters."
        )));
    }
    if !(text.starts_with("http://") || text.starts_with("https://")) {
        return Err(ApiError::BadRequest(
            "A QR code is drawn for an http:// or https:// address only.".into(),
        ));
    }
    let code = QrCode::new(text.as_bytes())
        .map_err(|e| ApiError::BadRequest(format!("No QR code for that text: {e}.")))?;
    Ok(code
        .render::<svg::Color>()
        .quiet_zone(true)
        .module_dimensions(8, 8)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

async fn qr(query: web::Query<QrQuery>) -> Result<HttpResponse, ApiError> {
    let body = qr_svg(&query.text)?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    #[test]
    fn every_interface_lists_the_reachable_ipv4_addresses() {
        let lan = describe(
            "0.0.0.0:8080".parse().expect("addr"),
            &[
                ip("127.0.0.1"),
                ip("192.168.1.20"),
                ip("10.0.0.5"),
                ip("::1"),
                ip("fe80::1"),
            ],
        );
        assert!(lan.all_interfaces);
        assert!(!lan.loopback_only);
        assert_eq!(lan.addresses, vec!["10.0.0.5", "192.168.1.20"]);
        assert_eq!(lan.urls[0], "http://10.0.0.5:8080");
    }

    #[test]
    fn ipv6_any_lists_ipv6_too_but_not_link_local() {
        let lan = describe(
            "[::]:9000".parse().expect("addr"),
            &[ip("192.168.1.20"), ip("2001:db8::7"), ip("fe80::1")],
        );
        assert_eq!(lan.addresses, vec!["192.168.1.20", "2001:db8::7"]);
        assert_eq!(lan.urls[1], "http://[2001:db8::7]:9000");
    }

    #[test]
    fn loopback_says_so_and_lists_nothing() {
        let lan = describe(
            "127.0.0.1:8080".parse().expect("addr"),
            &[ip("192.168.1.20")],
        );
        assert!(lan.loopback_only);
        assert!(!lan.all_interfaces);
        assert!(lan.addresses.is_empty());
        assert!(lan.urls.is_empty());
    }

    #[test]
    fn one_bound_address_is_the_one_listed() {
        let lan = describe("192.168.1.20:8080".parse().expect("addr"), &[]);
        assert_eq!(lan.urls, vec!["http://192.168.1.20:8080"]);
    }

    #[test]
    fn qr_codes_are_svg_for_links_only() {
        let svg = qr_svg("http://192.168.1.20:8080/join?code=ABCDEF").expect("a code");
        assert!(svg.contains("<svg") && svg.contains("<path"));
        assert!(qr_svg("javascript:alert(1)").is_err());
        assert!(qr_svg(&format!("http://{}", "a".repeat(400))).is_err());
    }
}
