using ActorDispatch.Model;
using ActorDispatch.Transports.WebSockets;

namespace ActorDispatch.Server.Dashboard;

/// <summary>
/// <c>GET /api/v1/namespaces/{ns}/overview</c>: the namespace's head and every durable subscription
/// with its status (offset, lag, in flight, parked, paused, connection, node) in one answer, which
/// the dashboard polls instead of a list and one status call per subscription. Read-only, so a
/// reader of the namespace may see it, as with the routes it stands for.
/// </summary>
internal static class NamespaceOverview
{
    /// <summary>
    /// One subscription: its status, or why there is none just now (<c>error</c>, e.g. it is
    /// restarting); <c>connectionAddress</c> is the peer of the WebSocket connection it is bound
    /// to, when that connection is on this node.
    /// </summary>
    public sealed record Entry(Guid Id, string Name, string Transport, DateTimeOffset Created, DateTimeOffset? Updated,
        SubscriptionStatus? Status, string? ConnectionAddress, string? Error);

    /// <summary>The answer: <c>at</c> is the server's time of the figures, for rates computed from successive answers.</summary>
    public sealed record View(string Namespace, long Head, string Node, DateTimeOffset At, IReadOnlyList<Entry> Subscriptions);

    public static void MapNamespaceOverview(this RouteGroupBuilder api) =>
        api.MapGet("/namespaces/{ns}/overview", async (string ns, IActorDispatch dispatch, WebSocketsTransport webSockets, ServerSettings settings,
            TimeProvider clock, CancellationToken ct) =>
        {
            var subscriptions = await dispatch.ListSubscriptionsAsync(ns, ct);
            var head = dispatch.GetHeadAsync(ns, ct);
            var entries = await Task.WhenAll(subscriptions.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => EntryAsync(dispatch, s, ct)));
            var peers = webSockets.GetStatus().Connections.ToDictionary(c => c.Id, c => c.RemoteAddress, StringComparer.Ordinal);
            var withPeers = entries.Select(e => e.Status?.Connection is { } id && peers.GetValueOrDefault(id) is { } peer ? e with { ConnectionAddress = peer } : e).ToList();
            return Results.Json(new View(ns, await head, settings.NodeName, clock.GetUtcNow(), withPeers), ActorDispatchJson.Options);
        }).WithTags("Dashboard").WithSummary("The namespace's head and every durable subscription with its status, in one answer");

    private static async Task<Entry> EntryAsync(IActorDispatch dispatch, Subscription subscription, CancellationToken ct)
    {
        var entry = new Entry(subscription.Id, subscription.Name, subscription.Transport, subscription.Created, subscription.Updated, null, null, null);
        try
        {
            return entry with { Status = await dispatch.GetSubscriptionStatusAsync(subscription.Namespace, subscription.Id.ToString(), ct) };
        }
        catch (ActorDispatchException ex) when (ex.Kind is ErrorKind.NotFound or ErrorKind.Unavailable)
        {
            // Deleted since the list, or restarting: the others' figures are still worth showing.
            return entry with { Error = ex.Message };
        }
    }
}
