//! CORS for `/api/*` (platform §5.2), off unless `CORS_ENABLED=true`: allowed origins, methods,
//! headers, exposed headers, credentials and max age from the reference's variables. Preflight
//! requests from an allowed origin are answered here; other origins get no CORS headers (the
//! browser then blocks the response).

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use super::SecurityConfig;

/// The CORS policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsConfig {
    /// Allowed origins; `*` allows any.
    pub origins: Vec<String>,
    /// `CORS_ALLOWED_METHODS`.
    pub methods: String,
    /// `CORS_ALLOWED_HEADERS`.
    pub headers: String,
    /// `CORS_EXPOSED_HEADERS`.
    pub exposed: String,
    /// `CORS_ALLOW_CREDENTIALS`.
    pub credentials: bool,
    /// `CORS_MAX_AGE` seconds.
    pub max_age: u32,
}

impl Default for CorsConfig {
    fn default() -> Self {
        Self {
            origins: vec!["http://127.0.0.1:5000".into()],
            methods: "GET,POST,DELETE,PUT,PATCH".into(),
            headers: "Content-Type,Authorization,X-Requested-With".into(),
            exposed: String::new(),
            credentials: false,
            max_age: 86_400,
        }
    }
}

impl CorsConfig {
    /// From `CORS_*` variables over the reference's sample values.
    ///
    /// # Errors
    /// A message for an invalid `CORS_MAX_AGE` or `CORS_ALLOW_CREDENTIALS`.
    pub fn from_env() -> Result<Self, String> {
        let d = Self::default();
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.trim().is_empty());
        let origins = var("CORS_ALLOWED_ORIGINS").map_or(d.origins, |v| {
            v.split(',')
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty())
                .collect()
        });
        let credentials = match var("CORS_ALLOW_CREDENTIALS").map(|v| v.to_ascii_lowercase()) {
            None => false,
            Some(v) if v == "true" => true,
            Some(v) if v == "false" => false,
            Some(v) => return Err(format!("CORS_ALLOW_CREDENTIALS: '{v}' is not true/false")),
        };
        let max_age = match var("CORS_MAX_AGE") {
            None => d.max_age,
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| format!("CORS_MAX_AGE: '{v}' is not a number"))?,
        };
        Ok(Self {
            origins,
            methods: var("CORS_ALLOWED_METHODS").unwrap_or(d.methods),
            headers: var("CORS_ALLOWED_HEADERS").unwrap_or(d.headers),
            exposed: var("CORS_EXPOSED_HEADERS").unwrap_or(d.exposed),
            credentials,
            max_age,
        })
    }

    fn allows(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == "*" || o == origin)
    }
}

fn insert(res: &mut HttpResponse<impl MessageBody>, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        res.headers_mut().insert(name, v);
    }
}

fn decorate<B: MessageBody>(res: &mut HttpResponse<B>, cors: &CorsConfig, origin: &str) {
    let any = cors.origins.iter().any(|o| o == "*") && !cors.credentials;
    insert(
        res,
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        if any { "*" } else { origin },
    );
    if !any {
        insert(res, header::VARY, "Origin");
    }
    if cors.credentials {
        insert(res, header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
    }
    if !cors.exposed.is_empty() {
        insert(res, header::ACCESS_CONTROL_EXPOSE_HEADERS, &cors.exposed);
    }
}

/// Applies the policy to `/api/*` requests.
///
/// # Errors
/// Only the inner service's errors.
pub async fn apply(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let cors = req
        .app_data::<web::Data<SecurityConfig>>()
        .and_then(|c| c.cors.clone());
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (Some(cors), Some(origin)) = (cors, origin) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    if !req.path().starts_with("/api/") || !cors.allows(&origin) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    if req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        let mut res = HttpResponse::NoContent().finish();
        decorate(&mut res, &cors, &origin);
        insert(
            &mut res,
            header::ACCESS_CONTROL_ALLOW_METHODS,
            &cors.methods,
        );
        insert(
            &mut res,
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            &cors.headers,
        );
        insert(
            &mut res,
            header::ACCESS_CONTROL_MAX_AGE,
            &cors.max_age.to_string(),
        );
        return Ok(req.into_response(res).map_into_right_body());
    }
    let mut res = next.call(req).await?;
    let origin_copy = origin.clone();
    decorate(res.response_mut(), &cors, &origin_copy);
    Ok(res.map_into_left_body())
}
