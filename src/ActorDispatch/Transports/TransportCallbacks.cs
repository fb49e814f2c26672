using System.Collections.Concurrent;
using ActorDispatch.Configuration;
using ActorDispatch.Dispatch;
using ActorDispatch.Model;
using ActorDispatch.Subscriptions;
using Akka.Actor;
using Akka.Event;

namespace ActorDispatch.Transports;

/// <summary>
/// The engine side of <see cref="ITransportCallbacks"/> for one transport: turns calls into messages.
/// Each connection gets a <see cref="ConnectionActor"/>, created here synchronously so that responses
/// go straight to it rather than through the manager.
/// </summary>
internal sealed class TransportCallbacks : ITransportCallbacks
{
    private readonly ActorSystem _system;
    private readonly IActorRef _manager;
    private readonly IEventTransport _transport;
    private readonly DispatchSettings _settings;
    private readonly ILoggingAdapter _log;
    private readonly ConcurrentDictionary<string, IActorRef> _connections = new(StringComparer.Ordinal);
    private readonly Lock _create = new();
    private long _counter;

    public TransportCallbacks(ActorSystem system, IActorRef manager, IEventTransport transport, DispatchSettings settings)
    {
        _system = system;
        _manager = manager;
        _transport = transport;
        _settings = settings;
        _log = Logging.GetLogger(system, $"actordispatch.transport.{transport.Name}");
    }

    // Told to the manager from here, so that registrations arrive in the order they were made (the
    // earliest-registered matching connection is the active one); the connection keeps a copy.
    public void RegisterConnection(string connectionId, SubscriptionMatcher matcher)
    {
        var connection = Connection(connectionId);
        var register = new SubscriptionManager.RegisterConnection(_transport.Name, connectionId, matcher, connection);
        connection.Tell(new Dispatch.Connection.Remember(register));
        _manager.Tell(register);
    }

    public async Task<Subscription> EphemeralSubscriptionAsync(string connectionId, string @namespace, SubscriptionFilter filter,
        SubscriptionOptions options, string? changeEvents = null, CancellationToken cancellationToken = default)
    {
        var connection = Connection(connectionId);
        var create = new SubscriptionManager.CreateEphemeral(Guid.NewGuid(), _transport.Name, connectionId, connection, @namespace, filter, options, changeEvents);
        var subscription = await _manager.AskEngine<Subscription>(create, _settings.AskTimeout, cancellationToken).ConfigureAwait(false);
        connection.Tell(new Dispatch.Connection.Remember(create));
        return subscription;
    }

    public void ConnectionClosed(string connectionId)
    {
        if (_connections.TryRemove(connectionId, out var connection)) connection.Tell(Dispatch.Connection.Close.Instance);
    }

    public void DeliveryResponse(string connectionId, EventDeliveryResponse response)
    {
        if (_connections.TryGetValue(connectionId, out var connection)) connection.Tell(new Connection.Respond(response));
        else _log.Info("Ignoring a response for {0} on connection {1}: the connection is closed", response.Id, connectionId);
    }

    public Task<Subscription?> GetSubscriptionAsync(string @namespace, string idOrName, CancellationToken cancellationToken = default) =>
        SubscriptionManager.FindAsync(_manager, @namespace, idOrName, _settings.AskTimeout, cancellationToken);

    private IActorRef Connection(string connectionId)
    {
        if (_connections.TryGetValue(connectionId, out var existing)) return existing;
        lock (_create)
        {
            if (_connections.TryGetValue(connectionId, out existing)) return existing;
            var name = $"actordispatch-connection-{_transport.Name}-{Interlocked.Increment(ref _counter)}";
            var created = _system.ActorOf(Dispatch.Connection.Props(_transport, connectionId, _manager), Uri.EscapeDataString(name));
            _connections[connectionId] = created;
            return created;
        }
    }
}
