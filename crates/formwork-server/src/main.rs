//! The `formwork` command: `check` definitions, `serve` forms.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    Serve(ServeArgs),
    /// Write (or with --verify, compare) the published JSON Schemas for definitions.
    Schemas {
        /// Fail if the files differ from what the engine accepts, instead of writing them.
        #[arg(long)]
        verify: bool,
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
    /// Folder for the embedded SQLite store (created on first run).
    #[arg(long, default_value = "formwork-data")]
    data: PathBuf,
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
        Command::Serve(args) => serve(args),
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
    let opts = formwork_server::serve::ServeOptions {
        host: args.host,
        port: args.port,
        data: args.data,
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
