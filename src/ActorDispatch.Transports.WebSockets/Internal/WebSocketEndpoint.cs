using System.Text.Json;
using ActorDispatch.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ActorDispatch.Transports.WebSockets.Internal;

/// <summary>
/// Accepts a WebSocket upgrade and serves the connection for as long as it lives. Requests that are not
/// upgrades (400), that arrive while the transport is not running (503) or beyond
/// <c>maxConnections</c> (503) are answered with a JSON error as the REST API's.
/// </summary>
internal static class WebSocketEndpoint
{
    private sealed record ErrorBody(string Error);

    public static async Task HandleAsync(HttpContext context, WebSocketsTransport transport)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(context, transport, StatusCodes.Status400BadRequest, ProtocolErrors.NotAWebSocketRequest).ConfigureAwait(false);
            return;
        }
        if (transport.Started is not { } runtime)
        {
            await RefuseAsync(context, transport, StatusCodes.Status503ServiceUnavailable, ProtocolErrors.NotRunning).ConfigureAwait(false);
            return;
        }
        if (!transport.TryReserveConnection(runtime.Settings.MaxConnections))
        {
            await RefuseAsync(context, transport, StatusCodes.Status503ServiceUnavailable, ProtocolErrors.TooManyConnections).ConfigureAwait(false);
            return;
        }

        try
        {
            var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = runtime.Settings.PingInterval,
                KeepAliveTimeout = runtime.Settings.EffectivePingTimeout,
            }).ConfigureAwait(false);
            var connection = transport.Open(runtime, socket, ConnectionStreamUpgrade.StreamOf(context), RemoteAddress(context),
                context.Request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? ua : null, context.Features.Get<INamespaceAccess>());
            // The host stopping (before Kestrel drains its requests) or the transport stopping (the engine's stop) closes it with 1001.
            var applicationStopping = context.RequestServices.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(applicationStopping, transport.Stopping);
            // A bad query string is a protocol error after the upgrade, as in FireFly: the client sees why.
            await connection.RunAsync(() => AutoStart.FromQuery(context.Request.Query), stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            transport.ReleaseConnection();
        }
    }

    private static async Task RefuseAsync(HttpContext context, WebSocketsTransport transport, int status, string error)
    {
        Log.Refused(transport.Logger, RemoteAddress(context), error);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new ErrorBody(error), ActorDispatchJson.Options, context.RequestAborted).ConfigureAwait(false);
    }

    private static string? RemoteAddress(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } ip ? $"{ip}:{context.Connection.RemotePort}" : null;
}
