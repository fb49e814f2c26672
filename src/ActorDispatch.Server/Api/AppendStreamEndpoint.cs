using ActorDispatch.Transports.WebSockets.Internal;

namespace ActorDispatch.Server.Api;

/// <summary>
/// <c>GET /api/v1/namespaces/{ns}/events/stream</c>, a WebSocket for publishers (<see cref="AppendStream"/>):
/// appends without an HTTP request each, as a broker's client publishes. Needs the writer role, as
/// <c>POST …/events</c> does; a browser page may open it only from an allowed origin.
/// </summary>
internal static class AppendStreamEndpoint
{
    public const string Route = "/api/v1/namespaces/{ns}/events/stream";

    public static IEndpointConventionBuilder MapAppendStream(this IEndpointRouteBuilder endpoints)
    {
        var pipeline = endpoints.CreateApplicationBuilder();
        // The /ws transport's buffered stream under the socket: reads of many small messages at once,
        // and answers written together.
        pipeline.Use(ConnectionStreamUpgrade.InstallAsync);
        pipeline.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        pipeline.Run(HandleAsync);
        return endpoints.Map(Route, pipeline.Build()).WithDisplayName("ActorDispatch append stream");
    }

    private static async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ErrorResponses.Error(StatusCodes.Status400BadRequest,
                "AD10126: this is a WebSocket endpoint (an append stream); open it with a WebSocket client, or append with POST …/events").ExecuteAsync(context);
            return;
        }
        var ns = (string)context.GetRouteValue("ns")!;
        var services = context.RequestServices;
        var engine = services.GetRequiredService<IActorDispatch>();
        var settings = services.GetRequiredService<ServerSettings>();
        var log = services.GetRequiredService<ILoggerFactory>().CreateLogger("ActorDispatch.Server.AppendStream");
        var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        log.LogDebug("Append stream to namespace {Namespace} opened from {Remote}", ns, context.Connection.RemoteIpAddress);
        await new AppendStream(socket, ConnectionStreamUpgrade.StreamOf(context), ns, engine, settings, log).RunAsync(stopping);
    }
}
