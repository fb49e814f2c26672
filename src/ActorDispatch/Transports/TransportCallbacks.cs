using System.Collections.Concurrent;
using ActorDispatch.Configuration;
using ActorDispatch.Connections;
using ActorDispatch.Model;
using ActorDispatch.Subscriptions;
using Akka.Actor;
using Akka.Event;

namespace ActorDispatch.Transports;

/// <summary>
/// The engine side of <see cref="ITransportCallbacks"/> for one transport: turns calls into messages.
/// Each connection gets a <see cref="ConnectionActor"/>, created here synchronously so that responses
/// go straight to it rather than through the registry.
/// </summary>
internal sealed class TransportCallbacks : ITransportCallbacks
{
    private readonly ActorSystem _system;
    private readonly IActorRef _registry;
    private readonly IActorRef _catalog;
    private readonly IEventTransport _transport;
    private readonly DispatchSettings _settings;
    private readonly ILoggingAdapter _log;
    private readonly ConcurrentDictionary<string, IActorRef> _connections = new(StringComparer.Ordinal);
    private readonly Lock _create = new();
    private long _counter;

    public TransportCallbacks(ActorSystem system, IActorRef registry, IActorRef catalog, IEventTransport transport, DispatchSettings settings)
    {
        _system = system;
        _registry = registry;
        _catalog = catalog;
        _transport = transport;
        _settings = settings;
        _log = Logging.GetLogger(system, $"actordispatch.transport.{transport.Name}");
    }

    // Told to the registry from here, so that registrations arrive in the order they were made (the
    // earliest-registered matching connection is the active one); the connection keeps a copy.
    public void RegisterConnection(string connectionId, SubscriptionMatcher matcher)
    {
        var connection = Connection(connectionId);
        var register = new ConnectionRegistry.RegisterConnection(_transport.Name, connectionId, matcher, connection);
        connection.Tell(new Connections.Connection.Remember(register));
        _registry.Tell(register);
    }

    public async Task<Subscription> EphemeralSubscriptionAsync(string connectionId, string @namespace, SubscriptionFilter filter,
        SubscriptionOptions options, string? changeEvents = null, CancellationToken cancellationToken = default)
    {
        var connection = Connection(connectionId);
        var create = new ConnectionRegistry.CreateEphemeral(Guid.NewGuid(), _transport.Name, connectionId, connection, @namespace, filter, options, changeEvents);
        var subscription = await _registry.AskEngine<Subscription>(create, _settings.AskTimeout, cancellationToken).ConfigureAwait(false);
        connection.Tell(new Connections.Connection.Remember(create));
        return subscription;
    }

    public void ConnectionClosed(string connectionId)
    {
        if (_connections.TryRemove(connectionId, out var connection)) connection.Tell(Connections.Connection.Close.Instance);
    }

    public void DeliveryResponse(string connectionId, EventDeliveryResponse response)
    {
        if (_connections.TryGetValue(connectionId, out var connection)) connection.Tell(new Connections.Connection.Respond(response));
        else _log.Info("Ignoring a response for {0} on connection {1}: the connection is closed", response.Id, connectionId);
    }

    public Task<Subscription?> GetSubscriptionAsync(string @namespace, string idOrName, CancellationToken cancellationToken = default) =>
        Catalog.FindAsync(_catalog, @namespace, idOrName, _settings.AskTimeout, cancellationToken);

    private IActorRef Connection(string connectionId)
    {
        if (_connections.TryGetValue(connectionId, out var existing)) return existing;
        lock (_create)
        {
            if (_connections.TryGetValue(connectionId, out existing)) return existing;
            var name = $"actordispatch-connection-{_transport.Name}-{Interlocked.Increment(ref _counter)}";
            var created = _system.ActorOf(Connections.Connection.Props(_transport, connectionId, _registry), Uri.EscapeDataString(name));
            _connections[connectionId] = created;
            return created;
        }
    }
}
