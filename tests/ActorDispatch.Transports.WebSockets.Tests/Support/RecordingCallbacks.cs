using System.Collections.Concurrent;
using ActorDispatch.Model;

namespace ActorDispatch.Transports.WebSockets.Tests.Support;

/// <summary>Engine callbacks that only record closes.</summary>
internal sealed class RecordingCallbacks : ITransportCallbacks
{
    public ConcurrentBag<string> ClosedConnections { get; } = [];

    public void RegisterConnection(string connectionId, SubscriptionMatcher matcher) { }

    public Task<Subscription> EphemeralSubscriptionAsync(string connectionId, string @namespace, SubscriptionFilter filter, SubscriptionOptions options,
        string? changeEvents = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public void ConnectionClosed(string connectionId) => ClosedConnections.Add(connectionId);

    public void DeliveryResponse(string connectionId, EventDeliveryResponse response) { }

    public Task<Subscription?> GetSubscriptionAsync(string @namespace, string idOrName, CancellationToken cancellationToken = default) =>
        Task.FromResult<Subscription?>(null);
}
