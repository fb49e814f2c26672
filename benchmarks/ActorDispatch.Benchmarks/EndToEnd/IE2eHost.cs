namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// The engine on a fresh store, with one way of consuming its subscriptions (a <see cref="TransportVariant"/>).
/// Events are always appended in process through <see cref="Engine"/>; only delivery differs.
/// </summary>
internal interface IE2eHost : IAsyncDisposable
{
    /// <summary>All benchmark events go to this namespace.</summary>
    public const string Namespace = "bench";

    IActorDispatch Engine { get; }

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
        TransportKind.InProcess => EngineHost.Start(name, o),
        TransportKind.WebSocket => new WebSocketHost(await ServerHost.StartAsync(name, ct), o.Variant, o.WsClient, o.AckEachWrite),
        TransportKind.Webhook => await WebhookHost.StartAsync(await ServerHost.StartAsync(name, ct), o.Variant, ct),
        _ => throw new ArgumentOutOfRangeException(nameof(o), o.Variant.Kind, "unknown transport"),
    };

    /// <summary>Waits until a dispatcher is bound to a connection of the subscription, so a live measurement starts attached.</summary>
    public static async Task WaitUntilConnectedAsync(this IE2eHost host, string name, Task consumer, CancellationToken ct)
    {
        while ((await host.Engine.GetSubscriptionStatusAsync(IE2eHost.Namespace, name, ct)).Connection is null)
        {
            if (consumer.IsCompleted) await consumer; // surfaces why the consumer stopped
            await Task.Delay(ConnectPollInterval, ct);
        }
    }
}
