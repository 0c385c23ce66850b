//! The Docker files cannot be run here (no Docker engine), so they are parsed:
//! the compose file must describe server, Postgres and Redis wired together,
//! the Dockerfile must be well-formed and build and run the `consilium`
//! binary, and the environment they give the server must be a configuration
//! the server accepts.

use std::collections::HashMap;
use std::path::PathBuf;

use yaml_rust2::{Yaml, YamlLoader};

fn read(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn compose() -> Yaml {
    let docs = YamlLoader::load_from_str(&read("docker-compose.yml")).expect("docker-compose.yml is YAML");
    assert_eq!(docs.len(), 1);
    docs.into_iter().next().unwrap()
}

/// `${VAR:-default}` → default; `${VAR:?message}` → a value good enough for a check.
fn resolve(value: &str) -> String {
    match value.strip_prefix("${").and_then(|v| v.strip_suffix('}')) {
        Some(inner) if inner.contains(":-") => inner.split_once(":-").unwrap().1.to_owned(),
        // a required secret: 32 bytes as hex fits every one (JWT, TURN, data key)
        Some(inner) if inner.contains(":?") => "ab".repeat(32),
        Some(_) => String::new(),
        None => value.to_owned(),
    }
}

/// The Dockerfile as logical instructions (continuations joined, comments dropped).
fn dockerfile() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in read("Dockerfile").lines() {
        let trimmed = line.trim();
        if current.is_empty() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        if let Some(body) = trimmed.strip_suffix('\\') {
            current.push_str(body);
            current.push(' ');
            continue;
        }
        if trimmed.starts_with('#') {
            continue;
        }
        current.push_str(trimmed);
        let (instruction, args) = current
            .split_once(char::is_whitespace)
            .expect("instruction with arguments");
        out.push((instruction.to_uppercase(), args.trim().to_owned()));
        current.clear();
    }
    assert!(current.is_empty(), "the Dockerfile ends inside a continued line");
    out
}

#[test]
fn compose_wires_the_server_to_postgres_and_redis() {
    let doc = compose();
    assert!(doc["version"].is_badvalue(), "the compose spec dropped `version:`");
    let services = &doc["services"];
    for name in ["postgres", "redis", "consilium"] {
        assert!(!services[name].is_badvalue(), "service {name} missing");
    }
    for name in ["postgres", "redis"] {
        assert!(
            !services[name]["healthcheck"]["test"].is_badvalue(),
            "{name} needs a healthcheck"
        );
    }
    let server = &services["consilium"];
    assert_eq!(server["build"].as_str(), Some("."));
    let ports: Vec<&str> = server["ports"]
        .as_vec()
        .expect("ports")
        .iter()
        .filter_map(Yaml::as_str)
        .collect();
    // Published on loopback only: a TLS proxy serves other machines.
    assert!(ports.contains(&"127.0.0.1:8080:8080"), "{ports:?}");
    for dependency in ["postgres", "redis"] {
        assert_eq!(
            server["depends_on"][dependency]["condition"].as_str(),
            Some("service_healthy")
        );
    }
    let env = server["environment"].as_hash().expect("environment map");
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().expect("name").to_owned(),
                resolve(v.as_str().unwrap_or_default()),
            )
        })
        .collect();
    assert!(
        env["DATABASE_URL"].contains("@postgres:5432/"),
        "{}",
        env["DATABASE_URL"]
    );
    assert_eq!(env["REDIS_URL"], "redis://redis:6379");
    assert_eq!(
        services["postgres"]["environment"]["POSTGRES_DB"].as_str(),
        env["DATABASE_URL"].rsplit('/').next()
    );
    // case materials outlive the container: STORAGE_DIR is a named volume
    let storage = env["STORAGE_DIR"].as_str();
    let mounts: Vec<&str> = server["volumes"]
        .as_vec()
        .expect("the server mounts a volume for attachments")
        .iter()
        .filter_map(Yaml::as_str)
        .collect();
    let mounted = mounts
        .iter()
        .filter_map(|m| m.split_once(':'))
        .find(|(_, target)| *target == storage);
    let (volume, _) = mounted.unwrap_or_else(|| panic!("{storage} is not mounted: {mounts:?}"));
    assert!(
        !doc["volumes"][volume].is_badvalue(),
        "volume {volume} is declared at the top level"
    );
}

#[test]
fn the_dockerfile_builds_and_runs_the_consilium_binary() {
    let known = [
        "FROM",
        "RUN",
        "CMD",
        "LABEL",
        "EXPOSE",
        "ENV",
        "ADD",
        "COPY",
        "ENTRYPOINT",
        "VOLUME",
        "USER",
        "WORKDIR",
        "ARG",
        "ONBUILD",
        "STOPSIGNAL",
        "HEALTHCHECK",
        "SHELL",
    ];
    let instructions = dockerfile();
    for (instruction, args) in &instructions {
        assert!(
            known.contains(&instruction.as_str()),
            "unknown instruction {instruction} {args}"
        );
    }
    let stages: Vec<&str> = instructions
        .iter()
        .filter(|(i, _)| i == "FROM")
        .map(|(_, a)| a.as_str())
        .collect();
    assert!(stages.len() >= 2, "a multi-stage build: {stages:?}");
    assert!(
        instructions
            .iter()
            .any(|(i, a)| i == "RUN" && a.contains("cargo build --release --bin consilium"))
    );
    assert!(
        instructions
            .iter()
            .any(|(i, a)| i == "RUN" && a.contains("npm run build"))
    );
    let last_from = instructions.iter().rposition(|(i, _)| i == "FROM").unwrap();
    let runtime = &instructions[last_from..];
    assert!(
        runtime
            .iter()
            .any(|(i, a)| i == "COPY" && a.starts_with("--from=") && a.ends_with("/usr/local/bin/consilium"))
    );
    assert!(
        runtime
            .iter()
            .any(|(i, a)| i == "ENTRYPOINT" && a.contains("consilium"))
    );
    assert!(
        runtime
            .iter()
            .any(|(i, a)| i == "EXPOSE" && a.split_whitespace().any(|p| p == "8080"))
    );
    assert!(
        runtime.iter().any(|(i, _)| i == "USER"),
        "the server does not run as root"
    );
}

/// Video consults need TURN across hospital NATs (SPEC §9): coturn checks
/// the time-limited credentials the server derives, so both read one secret.
#[test]
fn compose_runs_coturn_with_the_servers_turn_secret() {
    let doc = compose();
    let coturn = &doc["services"]["coturn"];
    assert!(!coturn.is_badvalue(), "service coturn missing");
    let args: Vec<&str> = coturn["command"]
        .as_vec()
        .expect("coturn command is a list")
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    assert!(args.contains(&"--use-auth-secret"), "{args:?}");
    let secret = args
        .iter()
        .find_map(|a| a.strip_prefix("--static-auth-secret="))
        .expect("a static auth secret");
    let server = &doc["services"]["consilium"]["environment"];
    let server_secret = server["TURN_SECRET"].as_str().expect("TURN_SECRET");
    let var = |v: &str| {
        v.trim_start_matches("${")
            .split([':', '}'])
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(var(secret), "TURN_SECRET");
    assert_eq!(var(server_secret), "TURN_SECRET");
    let port = args
        .iter()
        .find_map(|a| a.strip_prefix("--listening-port="))
        .expect("a listening port");
    let turn_urls = server["TURN_URLS"].as_str().expect("TURN_URLS");
    assert!(
        turn_urls
            .split(',')
            .all(|u| u.starts_with("turn:") && u.contains(&format!(":{port}?"))),
        "{turn_urls}"
    );
}

#[test]
fn the_containers_environment_is_a_configuration_the_server_accepts() {
    // the image's ENV lines, then the compose file's environment on top
    let mut env: HashMap<String, String> = HashMap::new();
    for (instruction, args) in dockerfile() {
        if instruction == "ENV" {
            for pair in args.split_whitespace() {
                if let Some((k, v)) = pair.split_once('=') {
                    env.insert(k.to_owned(), v.trim_matches('"').to_owned());
                }
            }
        }
    }
    let doc = compose();
    for (k, v) in doc["services"]["consilium"]["environment"]
        .as_hash()
        .expect("environment")
    {
        env.insert(
            k.as_str().expect("name").to_owned(),
            resolve(v.as_str().unwrap_or_default()),
        );
    }
    assert_eq!(env.get("APP_ENV").map(String::as_str), Some("production"));
    // the web client directory only exists inside the image
    env.remove("STATIC_DIR");
    let config = consilium::config::Config::from_lookup(|k| env.get(k).cloned());
    let config = config.unwrap_or_else(|e| panic!("the container's configuration is refused: {e}"));
    assert_eq!(config.bind_addr.to_string(), "0.0.0.0:8080");
    assert!(config.redis_url.is_some());
    assert_eq!(config.log_format, consilium::config::LogFormat::Json);
    assert_eq!(config.calls.turn_urls.len(), 2);
    assert!(config.calls.turn_secret.is_some());
}

/// Issue 10 untangled the server's layering; `scripts/dev/import-cycles.py`
/// (which reads every `crate::` and `super::` path of server/src) keeps it so.
#[test]
fn the_server_has_no_import_cycle() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::process::Command::new("python3")
        .arg(root.join("scripts/dev/import-cycles.py"))
        .arg(root.join("server/src"))
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "import cycles in server/src:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
