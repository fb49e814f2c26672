using ActorDispatch.Configuration;
using ActorDispatch.Model;
using ActorDispatch.Server.Configuration;
using Akka.Actor;

namespace ActorDispatch.Server.Api;

/// <summary><c>/api/v1/status</c>, and the liveness and readiness probes.</summary>
internal static class StatusEndpoints
{
    private static readonly DateTimeOffset Started = DateTimeOffset.UtcNow;

    public static void MapStatusEndpoints(this RouteGroupBuilder api) =>
        api.MapGet("/status", (ServerSettings settings, TimeProvider clock, ActorSystem system) => Results.Json(new
        {
            node = settings.NodeName,
            version = ServerVersion.Value,
            storage = settings.StorageDescription,
            durability = StorageConfig.DurabilityOf(system).Name(),
            started = Started,
            uptime = (clock.GetUtcNow() - Started).ToString(@"d\.hh\:mm\:ss"),
            cluster = ClusterView.Of(system),
        }, ActorDispatchJson.Options)).WithTags("Status").WithSummary("Node name, version, storage and its durability, uptime and, in a cluster, its members");

    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        // Liveness: the process serves requests.
        app.MapGet("/healthz", () => Results.Json(new { status = "ok" })).WithTags("Status");

        // Readiness: the journal answers a read (every read goes to the store).
        app.MapGet("/readyz", async (IActorDispatch dispatch, ILoggerFactory logs, CancellationToken ct) =>
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                await dispatch.ReadEventsAsync("default", 1, 1, timeout.Token);
                return Results.Json(new { status = "ready" });
            }
            catch (Exception ex) when (ex is ActorDispatchException or OperationCanceledException)
            {
                // The answer carries the stable code only; the store's own words go to the log.
                logs.CreateLogger("ActorDispatch.Server").LogWarning(ex, "Readiness check failed");
                return Results.Json(new { status = "unavailable", error = ex.Message }, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        }).WithTags("Status");
    }
}
