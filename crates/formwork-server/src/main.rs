//! The `formwork` command: `check` definitions, `serve` forms, make API `token`s, retry dead
//! `deliveries`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

// Requests allocate many small, short-lived values (headers, contexts, pages); mimalloc handles
// that pattern with less CPU and less fragmentation than glibc's allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "formwork", version, about = "A low-code GOV.UK form engine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check form and component definitions; prints `FILE:/json/pointer: message` per problem.
    Check {
        /// Form files, form folders or component folders (default: forms/ and components/).
        paths: Vec<PathBuf>,
        /// The component library forms are checked against.
        #[arg(long, default_value = "components")]
        components: PathBuf,
    },
    /// Serve every form as a GOV.UK service (JavaScript optional), with an embedded SQLite store.
    Serve(Box<ServeArgs>),
    /// API tokens for the submissions API.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Webhook deliveries in the outbox.
    Deliveries {
        #[command(subcommand)]
        command: DeliveriesCommand,
    },
    /// Write (or with --verify, compare) the published JSON Schemas for definitions.
    Schemas {
        /// Fail if the files differ from what the engine accepts, instead of writing them.
        #[arg(long)]
        verify: bool,
    },
}

/// Where the store is: the same options as `serve`.
#[derive(Debug, clap::Args)]
struct StoreArgs {
    /// Folder for the embedded SQLite store (created on first run).
    #[arg(long, default_value = "formwork-data")]
    data: PathBuf,
    /// A PostgreSQL URL (postgres://user:password@host:port/database) instead of SQLite.
    #[arg(long, env = "FORMWORK_DATABASE")]
    database: Option<String>,
}

impl StoreArgs {
    fn open(&self) -> anyhow::Result<std::sync::Arc<dyn formwork_server::store::Store>> {
        Ok(formwork_server::store::open(
            &self.data,
            self.database.as_deref(),
        )?)
    }
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Make a token for one form's submissions; prints it once, as the last line (only its hash is kept).
    Create {
        /// The form's id.
        #[arg(long)]
        form: String,
        /// Folder of form definitions (the form must exist there).
        #[arg(long, default_value = "forms")]
        forms: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Subcommand)]
enum DeliveriesCommand {
    /// Put dead-lettered deliveries back in the queue (all, one form's, or one by id).
    Retry {
        /// Only this delivery id (`msg_…`).
        #[arg(long)]
        id: Option<String>,
        /// Only this form's deliveries.
        #[arg(long)]
        form: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Count deliveries by status.
    Status {
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Port to listen on.
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// Address to listen on. Keep the default (loopback) behind a reverse proxy.
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    #[command(flatten)]
    store: StoreArgs,
    /// Folder of form definitions.
    #[arg(long, default_value = "forms")]
    forms: PathBuf,
    /// Folder of component definitions.
    #[arg(long, default_value = "components")]
    components: PathBuf,
    /// Folder of templates, static files and npm packages.
    #[arg(long, default_value = "web")]
    web: PathBuf,
    /// Reload forms, components and templates on change, and show definition errors in the browser.
    #[arg(long)]
    dev: bool,
    /// Hours a session lives without activity.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=720))]
    session_hours: u32,
    /// Mark cookies Secure (set when served over HTTPS).
    #[arg(long)]
    secure_cookies: bool,
    /// The organisation named in the header, e.g. "Anytown Council".
    #[arg(long, env = "FORMWORK_ORGANISATION")]
    organisation: Option<String>,
    /// Logo URL for the header.
    #[arg(long, env = "FORMWORK_LOGO")]
    logo: Option<String>,
    /// Brand colour as #rrggbb.
    #[arg(long, env = "FORMWORK_BRAND_COLOUR")]
    brand_colour: Option<String>,
    /// `council` (neutral header and footer) or `govuk` (only for services on gov.uk).
    #[arg(long, env = "FORMWORK_THEME", default_value = "council", value_parser = ["council", "govuk"])]
    theme: String,
    /// Attempts before a webhook delivery is dead-lettered.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
    delivery_attempts: u32,
    /// The first retry's delay in milliseconds (doubling each time, up to an hour).
    #[arg(long, default_value_t = 30_000)]
    delivery_backoff_ms: u64,
    /// Webhook request timeout in seconds.
    #[arg(long, default_value_t = 10)]
    delivery_timeout_secs: u64,
    /// How often an idle worker looks for due deliveries, in milliseconds.
    #[arg(long, default_value_t = 1_000)]
    delivery_poll_ms: u64,
    /// Run no delivery worker in this instance (others sharing the database still deliver).
    #[arg(long)]
    no_deliveries: bool,
    /// Also deliver webhooks to http:// URLs (local receivers, tests); otherwise https:// only.
    #[arg(long)]
    allow_http_webhooks: bool,
    /// POSTs one client may send per minute (and in a burst); over it they see a 429 page. 0 turns the limit off.
    #[arg(long, env = "FORMWORK_POST_RATE_LIMIT", default_value_t = 120)]
    post_rate_limit: u32,
    /// Sessions stored at once; beyond it, new residents see a "service is busy" page (503). 0 means no cap.
    #[arg(long, env = "FORMWORK_MAX_SESSIONS", default_value_t = 100_000)]
    max_sessions: u64,
    /// The largest stored session (all of one browser's answers), in KiB.
    #[arg(long, env = "FORMWORK_MAX_SESSION_KIB", default_value_t = 256, value_parser = clap::value_parser!(u32).range(16..=16384))]
    max_session_kib: u32,
    /// Rendered pages kept in memory for reuse when a page's whole context repeats (0 turns it off).
    #[arg(long, env = "FORMWORK_PAGE_CACHE", default_value_t = formwork_server::render::DEFAULT_PAGE_CACHE)]
    page_cache: usize,
    /// Rate-limit by the last address in this header (e.g. X-Forwarded-For), set by your reverse proxy; only use behind one.
    #[arg(long, env = "FORMWORK_CLIENT_IP_HEADER")]
    client_ip_header: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("formwork: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check { paths, components } => {
            let paths = if paths.is_empty() {
                vec![PathBuf::from("forms"), components.clone()]
            } else {
                paths
            };
            let problems = formwork_server::catalog::check(&paths, &components);
            for p in &problems {
                println!("{p}");
            }
            if problems.is_empty() {
                eprintln!(
                    "formwork check: no problems in {}",
                    paths
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!(
                    "formwork check: {} problem{}",
                    problems.len(),
                    if problems.len() == 1 { "" } else { "s" }
                );
                Ok(ExitCode::from(1))
            }
        }
        Command::Serve(args) => serve(*args),
        Command::Token {
            command: TokenCommand::Create { form, forms, store },
        } => {
            if !forms.join(format!("{form}.json")).is_file() {
                anyhow::bail!("no form {form:?} in {}", forms.display());
            }
            let store = store.open()?;
            let token = formwork_server::api::new_token();
            store.create_token(
                &formwork_server::api::token_hash(&token),
                &form,
                formwork_server::clock::unix_now(),
            )?;
            eprintln!(
                "formwork token: a token for the {form} form's submissions; it is shown once, keep it secret:"
            );
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Deliveries {
            command: DeliveriesCommand::Retry { id, form, store },
        } => {
            let store = store.open()?;
            let n = store.retry_dead(
                &formwork_server::store::RetrySelector { id, form_id: form },
                formwork_server::delivery::now_ms(),
            )?;
            println!(
                "{n} dead-lettered deliver{} queued again",
                if n == 1 { "y" } else { "ies" }
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Deliveries {
            command: DeliveriesCommand::Status { store },
        } => {
            let c = store.open()?.delivery_counts()?;
            println!(
                "pending {}, delivered {}, dead {}",
                c.pending, c.delivered, c.dead
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Schemas { verify } => {
            use formwork_server::schema::{
                COMPONENT_SCHEMA_PATH, FORM_SCHEMA_PATH, component_schema, form_schema,
                to_file_text,
            };
            let mut stale = Vec::new();
            for (path, schema) in [
                (FORM_SCHEMA_PATH, form_schema()),
                (COMPONENT_SCHEMA_PATH, component_schema()),
            ] {
                let text = to_file_text(&schema);
                if verify {
                    if std::fs::read_to_string(path).ok().as_deref() != Some(text.as_str()) {
                        stale.push(path);
                    }
                } else {
                    std::fs::write(path, text)?;
                    eprintln!("wrote {path}");
                }
            }
            if stale.is_empty() {
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("out of date: {} (run `formwork schemas`)", stale.join(", "));
                Ok(ExitCode::from(1))
            }
        }
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_target(false)
        .init();
    let today = match std::env::var("FORMWORK_TODAY") {
        Ok(s) if !s.trim().is_empty() => Some(
            formwork_core::date::parse_iso_date(s.trim()).ok_or_else(|| {
                anyhow::anyhow!("FORMWORK_TODAY must be a date as YYYY-MM-DD, not {s:?}")
            })?,
        ),
        _ => None,
    };
    if let Some(c) = &args.brand_colour
        && !(c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit()))
    {
        anyhow::bail!("--brand-colour must look like #1d70b8, not {c:?}");
    }
    let client_ip_header = match &args.client_ip_header {
        Some(h) => Some(axum::http::HeaderName::try_from(h.as_str()).map_err(|_| {
            anyhow::anyhow!(
                "--client-ip-header must be a header name like X-Forwarded-For, not {h:?}"
            )
        })?),
        None => None,
    };
    let opts = formwork_server::serve::ServeOptions {
        host: args.host,
        port: args.port,
        data: args.store.data,
        database: args.store.database,
        forms: args.forms,
        components: args.components,
        web: args.web,
        dev: args.dev,
        session_hours: args.session_hours,
        secure_cookies: args.secure_cookies,
        today,
        branding: formwork_server::state::Branding {
            organisation: args.organisation,
            logo: args.logo,
            colour: args.brand_colour,
            theme: args.theme,
        },
        delivery: (!args.no_deliveries).then(|| formwork_server::delivery::DeliveryConfig {
            max_attempts: args.delivery_attempts,
            backoff_ms: args.delivery_backoff_ms.max(1),
            timeout_ms: args.delivery_timeout_secs.max(1) * 1000,
            poll_ms: args.delivery_poll_ms.max(10),
            allow_http: args.allow_http_webhooks,
            ..formwork_server::delivery::DeliveryConfig::default()
        }),
        page_cache: args.page_cache,
        limits: formwork_server::limits::LimitsConfig {
            posts_per_minute: args.post_rate_limit,
            max_sessions: args.max_sessions,
            max_session_bytes: usize::try_from(args.max_session_kib).unwrap_or(256) * 1024,
            client_ip_header,
        },
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match runtime.block_on(formwork_server::serve::serve(opts)) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(formwork_server::serve::ServeError::Definitions(problems)) => {
            for p in &problems.0 {
                println!("{p}");
            }
            eprintln!(
                "formwork serve: {} problem(s) in the definitions; not starting",
                problems.0.len()
            );
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}
