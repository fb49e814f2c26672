using System.Text.Json;
using ActorDispatch.Model;

namespace ActorDispatch.Transports;

/// <summary>
/// Decides whether a connection serves a durable subscription (FireFly's <c>SubscriptionMatcher</c>).
/// Called on the engine's threads: keep it quick and free of I/O.
/// </summary>
public delegate bool SubscriptionMatcher(SubscriptionRef subscription);

/// <summary>What a transport can do beyond plain single-event delivery.</summary>
/// <param name="ChangeEvents">It implements <see cref="IChangeEventListener"/>.</param>
/// <param name="BatchDelivery">It implements <see cref="IEventTransport.BatchDeliveryRequestAsync"/>; needed by subscriptions with <c>batch</c>.</param>
public sealed record TransportCapabilities(bool ChangeEvents, bool BatchDelivery);

/// <summary>
/// A pluggable transport, the C# form of FireFly's event plugin interface. The engine owns
/// subscriptions, offsets and ordering; a transport only moves deliveries to receivers and brings
/// their responses back through <see cref="ITransportCallbacks"/>. Transports never see actors.
/// </summary>
public interface IEventTransport
{
    /// <summary>The transport's name, used in subscriptions' <c>transport</c> and as its HOCON section name.</summary>
    string Name { get; }

    /// <summary>Declares the configuration keys the transport accepts, with their defaults. Called once, before <see cref="InitAsync"/>.</summary>
    void InitConfig(TransportConfigBuilder config);

    /// <summary>
    /// Starts the transport with its configuration (the declared keys, overridden from HOCON
    /// <c>actordispatch.transports.&lt;name&gt;</c>) and the callbacks into the engine.
    /// </summary>
    Task InitAsync(TransportConfig config, ITransportCallbacks callbacks, CancellationToken cancellationToken = default);

    /// <summary>Capabilities; read only after <see cref="InitAsync"/>.</summary>
    TransportCapabilities Capabilities { get; }

    /// <summary>A JSON Schema document for the transport's own subscription options.</summary>
    JsonDocument GetOptionsSchema();

    /// <summary>
    /// Checks a subscription's options before it is stored, and may change them (for example to
    /// default <c>withData</c>). Throws <see cref="ActorDispatchException"/> naming the offending option.
    /// The engine has already enforced <see cref="GetOptionsSchema"/> on the transport options.
    /// </summary>
    SubscriptionOptions ValidateOptions(SubscriptionOptions options);

    /// <summary>
    /// Sends one delivery on a connection. The response comes later through
    /// <see cref="ITransportCallbacks.DeliveryResponse"/>. Deliveries for one subscription arrive in
    /// sequence order; a transport must accept (queue) each before the returned task yields, so
    /// that order holds. <paramref name="data"/> is non-null only when the subscription has <c>withData</c>.
    /// A faulted task counts as a rejection. Must tolerate a connection that has closed.
    /// </summary>
    Task DeliveryRequestAsync(string connectionId, Subscription subscription, EventDelivery delivery, JsonElement? data, CancellationToken cancellationToken = default);

    /// <summary>Sends a batch, acknowledged as one by <see cref="EventDeliveryBatch.Id"/>. Only called when <see cref="TransportCapabilities.BatchDelivery"/>.</summary>
    Task BatchDeliveryRequestAsync(string connectionId, Subscription subscription, EventDeliveryBatch batch, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"transport '{Name}' does not support batch delivery");
}

/// <summary>
/// Optional: receives change events (no ack) on ephemeral connections that asked for them.
/// FireFly's <c>ChangeEventListener</c>.
/// </summary>
public interface IChangeEventListener
{
    void ChangeEvent(string connectionId, ChangeEvent changeEvent);
}

/// <summary>A transport with every optional feature, convenient for tests (FireFly's <c>PluginAll</c>).</summary>
public interface IEventTransportAll : IEventTransport, IChangeEventListener;

/// <summary>
/// How a transport calls into the engine (FireFly's <c>Callbacks</c>). Thread-safe; every method
/// returns quickly and does its work asynchronously inside the engine.
/// </summary>
public interface ITransportCallbacks
{
    /// <summary>
    /// Registers a connection, or replaces its matcher. A dispatcher is started on it for every
    /// durable subscription of this transport that the matcher accepts (one active connection per
    /// subscription; others wait and take over on close). Registering again stops dispatchers that
    /// no longer match.
    /// </summary>
    void RegisterConnection(string connectionId, SubscriptionMatcher matcher);

    /// <summary>
    /// Starts an ephemeral subscription owned by the connection (registering the connection if
    /// needed). It starts at <c>newest</c> unless told otherwise, keeps its offset in memory and ends
    /// with the connection. <paramref name="changeEvents"/> is a regex on change-event collections to
    /// receive, for transports that implement <see cref="IChangeEventListener"/>.
    /// Throws <see cref="ActorDispatchException"/> for an invalid filter or option.
    /// </summary>
    Task<Subscription> EphemeralSubscriptionAsync(string connectionId, string @namespace, SubscriptionFilter filter,
        SubscriptionOptions options, string? changeEvents = null, CancellationToken cancellationToken = default);

    /// <summary>The connection has gone: its dispatchers stop (others fail over) and its ephemeral subscriptions end.</summary>
    void ConnectionClosed(string connectionId);

    /// <summary>Acks or rejects a delivery made on the connection. Responses for deliveries not in flight are logged and ignored.</summary>
    void DeliveryResponse(string connectionId, EventDeliveryResponse response);

    /// <summary>
    /// (ext, not in FireFly's interface) Looks up a durable subscription by id or name, or null: lets a
    /// connect-in transport refuse a start for a subscription that does not exist or is not its own.
    /// </summary>
    Task<Subscription?> GetSubscriptionAsync(string @namespace, string idOrName, CancellationToken cancellationToken = default);
}

/// <summary>
/// Implemented by a transport that keeps state per durable subscription (a webhook's prepared
/// client, its retry generation): told when a subscription is deleted, on every node, so that the
/// state goes with it.
/// </summary>
public interface ISubscriptionDeletedListener
{
    void SubscriptionDeleted(Guid subscriptionId);
}
