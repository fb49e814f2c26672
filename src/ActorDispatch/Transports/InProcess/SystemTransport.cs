using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using ActorDispatch.Model;

namespace ActorDispatch.Transports.InProcess;

/// <summary>
/// The in-process transport (FireFly calls its equivalent <c>system</c>): host code consumes a
/// subscription as an <see cref="IAsyncEnumerable{T}"/>. Each listener is one connection; its queue
/// needs no bound of its own because the subscription's window bounds what is in flight.
/// </summary>
internal sealed class SystemTransport : IEventTransport
{
    public const string TransportName = "system";

    private readonly ConcurrentDictionary<string, Channel<InProcessDelivery>> _listeners = new(StringComparer.Ordinal);
    private ITransportCallbacks? _callbacks;

    public string Name => TransportName;

    public TransportCapabilities Capabilities { get; } = new(ChangeEvents: false, BatchDelivery: true);

    public void InitConfig(TransportConfigBuilder config)
    {
    }

    public Task InitAsync(TransportConfig config, ITransportCallbacks callbacks, CancellationToken cancellationToken = default)
    {
        _callbacks = callbacks;
        return Task.CompletedTask;
    }

    // No transport options of its own.
    public JsonDocument GetOptionsSchema() => JsonDocument.Parse("""{"type":"object","additionalProperties":false}""");

    // Host code consumes the payload in process: deliver it unless told otherwise.
    public SubscriptionOptions ValidateOptions(SubscriptionOptions options) =>
        options.WithData is null ? options with { WithData = true } : options;

    public Task DeliveryRequestAsync(string connectionId, Subscription subscription, EventDelivery delivery, JsonElement? data, CancellationToken cancellationToken = default)
    {
        Enqueue(connectionId, delivery.Event.Id, delivery.Subscription, [delivery]);
        return Task.CompletedTask;
    }

    public Task BatchDeliveryRequestAsync(string connectionId, Subscription subscription, EventDeliveryBatch batch, CancellationToken cancellationToken = default)
    {
        Enqueue(connectionId, batch.Id, batch.Subscription, batch.Events);
        return Task.CompletedTask;
    }

    // A delivery to a listener that has gone is dropped: the engine redelivers it from the committed offset.
    private void Enqueue(string connectionId, Guid id, SubscriptionRef subscription, IReadOnlyList<EventDelivery> events)
    {
        if (_listeners.TryGetValue(connectionId, out var channel))
            channel.Writer.TryWrite(new InProcessDelivery(Callbacks, connectionId, id, subscription, events));
    }

    private ITransportCallbacks Callbacks => _callbacks ?? throw new InvalidOperationException("the system transport is not initialised");

    /// <summary>Attaches to a durable subscription until the enumeration ends or is cancelled.</summary>
    public IAsyncEnumerable<InProcessDelivery> Listen(string @namespace, string name, CancellationToken cancellationToken) =>
        Run(connectionId => Callbacks.RegisterConnection(connectionId, s => s.Namespace == @namespace && s.Name == name), cancellationToken);

    /// <summary>Starts an ephemeral subscription that lives as long as the enumeration.</summary>
    public IAsyncEnumerable<InProcessDelivery> ListenEphemeral(string @namespace, SubscriptionFilter filter, SubscriptionOptions options,
        CancellationToken cancellationToken) =>
        Run(connectionId => Callbacks.EphemeralSubscriptionAsync(connectionId, @namespace, filter, options, cancellationToken: cancellationToken), cancellationToken);

    private async IAsyncEnumerable<InProcessDelivery> Run(Func<string, Task> attach, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var connectionId = $"system-{Guid.NewGuid():N}";
        var channel = Channel.CreateUnbounded<InProcessDelivery>(new UnboundedChannelOptions { SingleReader = true });
        _listeners[connectionId] = channel;
        try
        {
            await attach(connectionId).ConfigureAwait(false);
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var delivery)) yield return delivery;
            }
        }
        finally
        {
            _listeners.TryRemove(connectionId, out _);
            Callbacks.ConnectionClosed(connectionId);
        }
    }

    private IAsyncEnumerable<InProcessDelivery> Run(Action<string> attach, CancellationToken cancellationToken) =>
        Run(id =>
        {
            attach(id);
            return Task.CompletedTask;
        }, cancellationToken);
}
