using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ActorDispatch.Transports.WebSockets.Internal;

/// <summary>
/// Accepts a WebSocket (RFC 6455 section 4.2.2) over a <see cref="CoalescingStream"/>, so that the
/// write loop can send queued frames in one write; ASP.NET Core's <c>AcceptWebSocketAsync</c> gives
/// no access to the stream. Requests that are not HTTP/1.1 upgrades (e.g. HTTP/2 extended CONNECT)
/// are accepted the standard way, without coalescing.
/// </summary>
internal static class WebSocketHandshake
{
    private const string Rfc6455Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    public static async Task<(WebSocket Socket, CoalescingStream? Output)> AcceptAsync(HttpContext context, TimeSpan keepAliveInterval, TimeSpan keepAliveTimeout)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        var key = context.Request.Headers.SecWebSocketKey.ToString();
        if (upgrade is not { IsUpgradableRequest: true } || !IsValidKey(key) || context.Request.Headers.SecWebSocketVersion != "13")
        {
            var standard = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = keepAliveInterval,
                KeepAliveTimeout = keepAliveTimeout,
            }).ConfigureAwait(false);
            return (standard, null);
        }

        context.Response.Headers.Connection = "Upgrade";
        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers.SecWebSocketAccept = AcceptKey(key);
        WebSocket? socket = null;
        // An aborted socket (a missed pong, a failed write) aborts the HTTP connection too, as ASP.NET
        // Core's own server sockets do, so that a pending read ends; a closed one lets Kestrel finish
        // sending the close frame.
        var stream = new CoalescingStream(await upgrade.UpgradeAsync().ConfigureAwait(false), // sends 101 Switching Protocols
            () =>
            {
                if (socket?.State == WebSocketState.Aborted) context.Abort();
            });
        socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions
        {
            IsServer = true,
            KeepAliveInterval = keepAliveInterval,
            KeepAliveTimeout = keepAliveTimeout,
        });
        return (socket, stream);
    }

    private static bool IsValidKey(string key)
    {
        Span<byte> decoded = stackalloc byte[24];
        return Convert.TryFromBase64String(key, decoded, out var length) && length == 16;
    }

    private static string AcceptKey(string key) => Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + Rfc6455Guid)));
}
