//! The Debian package and the manual install agree with the source tree, so that neither can
//! drift into a service that does not start: the packaged unit is the shipped unit with the
//! binary path the package installs; every key the shipped watchlist pins is packaged where the
//! watchlist looks for it (beside it, by its relative path), and the manual steps of
//! docs/daemon.md install it there too. (systemd/nspawn-test runs both installs for real, as
//! root; these checks run everywhere, in `cargo test`.)

use std::path::{Path, PathBuf};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The key files the shipped watchlist pins, as written (relative to the watchlist).
fn pinned_keys() -> Vec<String> {
    let watchlist: toml::Table = read("watchlist.toml")
        .parse()
        .expect("watchlist.toml is TOML");
    let watches = watchlist["watch"].as_array().expect("[[watch]] tables");
    let keys: Vec<String> = watches
        .iter()
        .filter_map(|w| w.get("keys"))
        .flat_map(|k| k.as_array().expect("keys is an array").iter())
        .map(|k| k.as_str().expect("a key path").to_owned())
        .collect();
    assert!(!keys.is_empty(), "the shipped watchlist pins keys (Qubes)");
    keys
}

/// `[package.metadata.deb] assets`: (source, destination) pairs.
fn deb_assets() -> Vec<(String, String)> {
    let manifest: toml::Table = read("Cargo.toml").parse().expect("Cargo.toml is TOML");
    manifest["package"]["metadata"]["deb"]["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .map(|a| {
            let a = a.as_array().expect("[source, dest, mode]");
            (
                a[0].as_str().expect("source").to_owned(),
                a[1].as_str().expect("dest").to_owned(),
            )
        })
        .collect()
}

/// Where dpkg puts `source` when the asset says `dest` (a folder when it ends in `/`).
fn installed_path(source: &str, dest: &str) -> String {
    let dest = format!("/{}", dest.trim_start_matches('/'));
    if dest.ends_with('/') {
        let name = source.rsplit('/').next().expect("a file name");
        format!("{dest}{name}")
    } else {
        dest
    }
}

#[test]
fn the_packaged_unit_is_the_shipped_unit_running_usr_bin() {
    let shipped = read("systemd/canaryd.service");
    assert!(shipped.contains("ExecStart=/usr/local/bin/canaryd run"));
    let packaged = read("debian/canaryd.service");
    assert_eq!(
        packaged,
        shipped.replace("/usr/local/bin/canaryd", "/usr/bin/canaryd"),
        "debian/canaryd.service must be systemd/canaryd.service with the path the package installs: \
         sed 's#/usr/local/bin/canaryd#/usr/bin/canaryd#g' systemd/canaryd.service > debian/canaryd.service"
    );
    let binary = deb_assets()
        .into_iter()
        .find(|(source, _)| source == "target/release/canaryd")
        .expect("the binary is an asset");
    assert_eq!(installed_path(&binary.0, &binary.1), "/usr/bin/canaryd");
}

#[test]
fn the_package_ships_the_watchlist_with_every_key_it_pins_beside_it() {
    let assets = deb_assets();
    let installed: Vec<(String, String)> = assets
        .iter()
        .map(|(s, d)| (s.clone(), installed_path(s, d)))
        .collect();
    let watchlist = installed
        .iter()
        .find(|(source, _)| source == "watchlist.toml")
        .expect("the shipped watchlist is packaged");
    assert_eq!(watchlist.1, "/etc/canaryd/watchlist.toml");
    for key in pinned_keys() {
        let want = format!("/etc/canaryd/{key}");
        assert!(
            installed
                .iter()
                .any(|(source, dest)| *source == key && *dest == want),
            "the shipped watchlist pins {key}, which it reads as {want}: the package must install it there \
             ([package.metadata.deb] assets: {installed:?})"
        );
        assert!(repo(&key).is_file(), "{key} exists in the source tree");
    }
}

#[test]
fn every_packaged_file_from_the_source_tree_exists() {
    for (source, _) in deb_assets() {
        if source.starts_with("target/") {
            continue; // built: the package build (systemd/nspawn-test package) sees them
        }
        if let Some((dir, pattern)) = source.rsplit_once("/*") {
            let matched = std::fs::read_dir(repo(dir))
                .unwrap_or_else(|e| panic!("{dir}: {e}"))
                .filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().ends_with(pattern));
            assert!(matched, "{source} matches no file");
        } else {
            assert!(repo(&source).is_file(), "{source} is packaged but missing");
        }
    }
    for script in ["debian/postinst", "debian/postrm"] {
        assert!(
            read(script).contains("#DEBHELPER#"),
            "{script}: cargo-deb adds the unit's snippets there"
        );
    }
}

/// The ```sh block of docs/daemon.md after the marker systemd/nspawn-test runs.
fn documented_steps(mode: &str) -> String {
    let doc = read("docs/daemon.md");
    let marker = format!("<!-- systemd/nspawn-test {mode} ");
    let after = &doc[doc
        .find(&marker)
        .unwrap_or_else(|| panic!("docs/daemon.md has no {marker}"))..];
    let block = &after[after.find("```sh\n").expect("a sh block after the marker") + 6..];
    block[..block.find("\n```").expect("the block ends")].to_owned()
}

#[test]
fn the_manual_steps_install_every_key_the_shipped_watchlist_pins() {
    let steps = documented_steps("manual");
    assert!(steps.contains("sudo install -m 0644 watchlist.toml /etc/canaryd/watchlist.toml"));
    for key in pinned_keys() {
        let (dir, _) = key.rsplit_once('/').expect("keys/…/FILE");
        let target = format!("/etc/canaryd/{dir}/");
        assert!(
            steps.lines().any(|line| {
                let words: Vec<&str> = line
                    .split('#')
                    .next()
                    .unwrap_or("")
                    .split_whitespace()
                    .collect();
                words.starts_with(&["sudo", "install"])
                    && words.contains(&key.as_str())
                    && words.last() == Some(&target.as_str())
            }),
            "the shipped watchlist pins {key}, read from {target}: a manual step must install it there\n{steps}"
        );
    }
}

#[test]
fn the_package_steps_install_the_package_cargo_deb_builds() {
    let steps = documented_steps("package");
    assert!(steps.lines().next() == Some("cargo deb"), "{steps}");
    assert!(
        steps.contains("sudo apt-get install ./target/debian/canaryd_*.deb"),
        "{steps}"
    );
    assert!(
        steps.contains("sudo systemctl enable --now canaryd"),
        "{steps}"
    );
}

/// Debian policy: man pages are installed gzipped (`gzip -9n`). cargo-deb compresses man
/// pages it takes from the source tree but not build output, so build.rs writes them gzipped
/// into `target/<profile>/canaryd-dist/man/`, and the assets must take those.
#[test]
fn man_pages_are_packaged_gzipped_as_build_rs_writes_them() {
    let man: Vec<(String, String)> = deb_assets()
        .into_iter()
        .filter(|(_, dest)| dest.starts_with("usr/share/man/"))
        .collect();
    assert!(!man.is_empty(), "the package installs man pages");
    for (source, dest) in &man {
        assert!(
            source.ends_with(".gz"),
            "{source} -> {dest}: a man page must be packaged gzipped"
        );
    }
    // The build this test belongs to ran build.rs: its dist directory is beside the binary.
    let dist = Path::new(env!("CARGO_BIN_EXE_canaryd"))
        .parent()
        .expect("the profile directory")
        .join("canaryd-dist/man");
    let page = std::fs::read(dist.join("canaryd-check.1.gz"))
        .unwrap_or_else(|e| panic!("{}: {e}", dist.display()));
    assert_eq!(
        &page[..4],
        &[0x1f, 0x8b, 8, 0],
        "gzip, no file name in the header"
    );
    assert_eq!(
        &page[4..8],
        &[0, 0, 0, 0],
        "no timestamp: the package is reproducible"
    );
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&page[..]), &mut text)
        .expect("a gzipped man page");
    assert!(text.contains(".TH canaryd-check"), "{text}");
    assert!(
        !std::fs::read_dir(&dist)
            .expect("man")
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".1")),
        "only gzipped pages in {}",
        dist.display()
    );
}
