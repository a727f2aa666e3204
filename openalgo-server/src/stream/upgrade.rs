//! The feed on the main port too (`GET /ws`, websocket §2.1): the HTTP upgrade is answered here
//! (RFC 6455 handshake) and the upgraded byte stream is bridged to the same session code as the
//! dedicated port, through an in-memory pipe.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use futures::StreamExt;
use sha1::{Digest, Sha1};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::StreamContext;

const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

fn header<'a>(req: &'a HttpRequest, name: &str) -> &'a str {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// `GET /ws`: upgrades and serves the connection like the dedicated port does.
pub(crate) async fn route(
    req: HttpRequest,
    mut payload: web::Payload,
    ctx: web::Data<Arc<StreamContext>>,
) -> HttpResponse {
    let upgrade = header(&req, "upgrade").eq_ignore_ascii_case("websocket")
        && header(&req, "connection")
            .to_ascii_lowercase()
            .contains("upgrade")
        && header(&req, "sec-websocket-version") == "13";
    let key = header(&req, "sec-websocket-key");
    if !upgrade || key.is_empty() {
        return HttpResponse::BadRequest()
            .json(serde_json::json!({"status": "error", "message": "WebSocket upgrade required"}));
    }
    let accept = base64::engine::general_purpose::STANDARD
        .encode(Sha1::digest(format!("{key}{GUID}").as_bytes()));
    let (server_side, bridge) = tokio::io::duplex(64 * 1024);
    let (from_session, mut to_session) = tokio::io::split(bridge);
    // Client bytes into the session.
    actix_web::rt::spawn(async move {
        while let Some(Ok(chunk)) = payload.next().await {
            if to_session.write_all(&chunk).await.is_err() {
                break;
            }
        }
        let _ = to_session.shutdown().await;
    });
    // Session bytes out as the response body.
    let body = futures::stream::unfold(
        (from_session, vec![0u8; 16 * 1024]),
        |(mut reader, mut buf)| async move {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => None,
                Ok(n) => {
                    let chunk = web::Bytes::copy_from_slice(&buf[..n]);
                    Some((Ok::<_, std::io::Error>(chunk), (reader, buf)))
                }
            }
        },
    );
    let ctx: Arc<StreamContext> = Arc::clone(ctx.get_ref());
    let session = super::session::serve_stream(server_side, ctx);
    match super::runtime() {
        Ok(rt) => drop(rt.spawn(session)),
        Err(_) => drop(tokio::spawn(session)),
    }
    HttpResponse::SwitchingProtocols()
        .insert_header(("upgrade", "websocket"))
        .insert_header(("connection", "Upgrade"))
        .insert_header(("sec-websocket-accept", accept))
        .streaming(body)
}
