using Akka.Actor;
using Akka.Configuration;

namespace ActorDispatch.Configuration;

/// <summary>The engine's settings, read once from <c>actordispatch</c> HOCON.</summary>
internal sealed record DispatchSettings(
    TimeSpan AskTimeout,
    int MaxSubscriptions,
    int MaxSubscriptionsPerNamespace,
    long MaxDataSize,
    int MaxDataDepth,
    int MaxPendingEvents,
    int MaxEntryEvents,
    long MaxEntryBytes,
    long MaxWriteBytes,
    TimeSpan GatherQuiet,
    TimeSpan GatherMax,
    TimeSpan IdempotencyWindow,
    int IdempotencyMaxKeys,
    int IdempotencyRecoverMaxEntries,
    TimeSpan LogIdleTimeout,
    int PageSize,
    TimeSpan CommitInterval,
    int SnapshotEvery,
    TimeSpan PollInterval,
    int DefaultReadAhead,
    bool DefaultWithData,
    int MaxReadAhead,
    int DefaultBatchSize,
    TimeSpan DefaultBatchTimeout,
    TimeSpan RewindBackoffMin,
    TimeSpan RewindBackoffMax)
{
    public static DispatchSettings Create(ActorSystem system) => Create(system.Settings.Config);

    public static DispatchSettings Create(Config config)
    {
        // A system set up for the engine already falls back to the reference config.
        var full = config.HasPath("actordispatch.ask-timeout") ? config : config.WithFallback(ActorDispatchConfig.Reference);
        var c = full.GetConfig("actordispatch");
        return new DispatchSettings(
            AskTimeout: c.GetTimeSpan("ask-timeout"),
            MaxSubscriptions: c.GetInt("subscriptions.max"),
            MaxSubscriptionsPerNamespace: c.GetInt("subscriptions.max-per-namespace"),
            MaxDataSize: c.GetLong("log.max-data-size"),
            MaxDataDepth: c.GetInt("log.max-data-depth"),
            MaxPendingEvents: c.GetInt("log.max-pending-events"),
            MaxEntryEvents: c.GetInt("log.max-entry-events"),
            MaxEntryBytes: c.GetLong("log.max-entry-bytes"),
            MaxWriteBytes: c.GetLong("log.max-write-bytes"),
            GatherQuiet: c.GetTimeSpan("log.gather-quiet"),
            GatherMax: c.GetTimeSpan("log.gather-max"),
            IdempotencyWindow: c.GetTimeSpan("log.idempotency-window"),
            IdempotencyMaxKeys: c.GetInt("log.idempotency-max-keys"),
            IdempotencyRecoverMaxEntries: c.GetInt("log.idempotency-recover-max-entries"),
            LogIdleTimeout: c.GetTimeSpan("log.idle-timeout"),
            PageSize: c.GetInt("dispatch.page-size"),
            CommitInterval: c.GetTimeSpan("dispatch.commit-interval"),
            SnapshotEvery: c.GetInt("dispatch.snapshot-every"),
            PollInterval: c.GetTimeSpan("dispatch.poll-interval"),
            DefaultReadAhead: c.GetInt("dispatch.read-ahead"),
            DefaultWithData: c.GetBoolean("dispatch.with-data"),
            MaxReadAhead: c.GetInt("dispatch.read-ahead-max"),
            DefaultBatchSize: c.GetInt("dispatch.batch-size"),
            DefaultBatchTimeout: c.GetTimeSpan("dispatch.batch-timeout"),
            RewindBackoffMin: c.GetTimeSpan("dispatch.rewind-backoff-min"),
            RewindBackoffMax: c.GetTimeSpan("dispatch.rewind-backoff-max"));
    }
}
