using ActorDispatch.Model;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// The engine on a fresh store (<see cref="ClusterHost"/>: a fresh namespace on running server processes), with one
/// way of consuming its subscriptions (a <see cref="TransportVariant"/>).
/// Events are appended in process through the engine, or over REST to a server process (<see cref="ClusterHost"/>).
/// </summary>
internal interface IE2eHost : IAsyncDisposable
{
    /// <summary>All benchmark events go to this namespace (<see cref="ClusterHost"/>: one of its own per host).</summary>
    public const string Namespace = "bench";

    /// <summary>Appends the events atomically, in order; completes once they are durable.</summary>
    Task AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken ct);

    /// <summary>The id of the connection the subscription's dispatcher is bound to, or null.</summary>
    Task<string?> GetConnectionAsync(string name, CancellationToken ct);

    /// <summary>
    /// Creates a durable subscription of this host's transport. A connect-out transport (webhooks)
    /// starts delivering at once, so its receiver is set up here for <paramref name="expected"/> events.
    /// </summary>
    Task CreateSubscriptionAsync(string name, string firstEvent, int expected, CancellationToken ct);

    /// <summary>Consumes the subscription, acking every delivery, until each of the <paramref name="expected"/> sequences has arrived.</summary>
    Task<ConsumeResult> ConsumeAsync(string name, int expected, CancellationToken ct);
}

internal static class E2eHost
{
    private static readonly TimeSpan ConnectPollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Starts the host the options' current variant asks for, on a fresh store.</summary>
    public static async Task<IE2eHost> StartAsync(string name, E2eOptions o, CancellationToken ct = default) => o.Variant.Kind switch
    {
        _ when o.Nodes is { } nodes => await ClusterHost.StartAsync(nodes, o, ct),
        TransportKind.InProcess => EngineHost.Start(name, o),
        TransportKind.WebSocket => new WebSocketHost(await ServerHost.StartAsync(name, ct), o.Variant, o.WsClient, o.AckEachWrite),
        TransportKind.Webhook => await WebhookHost.StartAsync(await ServerHost.StartAsync(name, ct), o.Variant, ct),
        TransportKind.Amqp => await AmqpHost.StartAsync(name, o.Variant, ct),
        TransportKind.Mqtt => await MqttHost.StartAsync(name, o.Variant, o.MqttQos, ct),
        _ => throw new ArgumentOutOfRangeException(nameof(o), o.Variant.Kind, "unknown transport"),
    };

    /// <summary>Waits until a dispatcher is bound to a connection of the subscription, so a live measurement starts attached.</summary>
    public static async Task WaitUntilConnectedAsync(this IE2eHost host, string name, Task consumer, CancellationToken ct)
    {
        while (await host.GetConnectionAsync(name, ct) is null)
        {
            if (consumer.IsCompleted) await consumer; // surfaces why the consumer stopped
            await Task.Delay(ConnectPollInterval, ct);
        }
    }
}
