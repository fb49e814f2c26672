using ActorDispatch.Model;

namespace ActorDispatch.Transports.Webhooks.Sending;

/// <summary>
/// One subscription definition's sending state: its prepared options and the cancellation of its
/// current <em>generation</em> of deliveries. A reject makes the engine rewind and replay
/// everything in flight, so the other deliveries of that generation are moot: the lane cancels
/// them, so that they stop retrying, and starts a new generation for what the engine sends next.
/// A cancelled delivery still answers (a reject the engine ignores when it is no longer in flight):
/// the engine may have rewound for its own reasons meanwhile and be waiting for it, and an
/// unanswered delivery would hold the subscription's window for ever.
/// </summary>
internal sealed class SubscriptionLane(DateTimeOffset version, PreparedWebhook webhook)
{
    private readonly Lock _lock = new();
    private CancellationTokenSource _generation = new();

    /// <summary>The subscription's <c>updated</c> (or <c>created</c>) time this lane was prepared for.</summary>
    public DateTimeOffset Version { get; } = version;

    public PreparedWebhook Webhook { get; } = webhook;

    public static DateTimeOffset VersionOf(Subscription subscription) => subscription.Updated ?? subscription.Created;

    /// <summary>The generation a new delivery joins.</summary>
    public CancellationTokenSource Current
    {
        get
        {
            lock (_lock) return _generation;
        }
    }

    /// <summary>
    /// Ends <paramref name="generation"/> (if still current, a new one starts) and cancels its other
    /// deliveries. Called before the reject is sent, so that every delivery the engine makes after
    /// its rewind joins the new generation.
    /// </summary>
    public void Supersede(CancellationTokenSource generation)
    {
        lock (_lock)
        {
            if (ReferenceEquals(_generation, generation)) _generation = new CancellationTokenSource();
        }
        generation.Cancel();
    }

    /// <summary>True once the subscription was redefined: the dispatcher that sent this lane's deliveries has stopped.</summary>
    public bool Retired { get; private set; }

    /// <summary>
    /// The subscription was redefined or the transport stops: the engine stopped the dispatcher that
    /// sent this lane's deliveries, nothing waits for them, and they end without answering.
    /// </summary>
    public void Retire()
    {
        CancellationTokenSource current;
        lock (_lock)
        {
            Retired = true;
            current = _generation;
        }
        current.Cancel();
    }
}
