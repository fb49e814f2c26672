namespace ActorDispatch.PeerBench.Brokers;

/// <summary>
/// One broker under test, with the same contract on each: a durable destination; publishes that
/// complete only once the broker has taken the event by its own definition of durable (which
/// <see cref="DescribeDurabilityAsync"/> states); durable consumers that each receive every event,
/// acking each one explicitly, with at most a window of them unacked.
/// </summary>
internal interface IPeerBroker : IAsyncDisposable
{
    /// <summary>The column and TSV name, e.g. <c>nats-jetstream</c>.</summary>
    string Name { get; }

    Task ConnectAsync(CancellationToken ct);

    /// <summary>What this run's acks promise, as the broker reports its settings (server version included).</summary>
    Task<string> DescribeDurabilityAsync(CancellationToken ct);

    /// <summary>Drops what an earlier run left, then creates the destination and <paramref name="consumers"/> durable consumers at its start.</summary>
    Task CreateAsync(int consumers, int window, CancellationToken ct);

    /// <summary>Deletes what <see cref="CreateAsync"/> created, with everything stored in it.</summary>
    Task DeleteAsync(CancellationToken ct);

    /// <summary>A publisher on a connection of its own; several publishes may be outstanding on it at once.</summary>
    Task<IPeerPublisher> OpenPublisherAsync(CancellationToken ct);

    /// <summary>
    /// Runs consumer <paramref name="index"/> on a connection of its own, acking every delivery after
    /// handing it to <paramref name="progress"/>, until the progress is complete (or ct fires);
    /// <see cref="ConsumeProgress.Start"/> is called once connected, right before it subscribes or first reads.
    /// </summary>
    Task ConsumeAsync(int index, int window, ConsumeProgress progress, CancellationToken ct);
}

internal interface IPeerPublisher : IAsyncDisposable
{
    /// <summary>Completes on the broker's confirmation: JetStream's PubAck, Redis's XADD reply, RabbitMQ's basic.ack.</summary>
    ValueTask PublishAsync(byte[] body, CancellationToken ct);
}
