using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.Model;
using ActorDispatch.Transports;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// The engine on a fresh actor system and SQLite file, with only the built-in <c>system</c>
/// (in-process) transport; all benchmark events go to one namespace.
/// </summary>
internal sealed class EngineHost : IAsyncDisposable
{
    public const string Namespace = "bench";

    private static readonly TimeSpan ConnectPollInterval = TimeSpan.FromMilliseconds(20);

    private readonly SqliteActorSystem _store;

    private EngineHost(SqliteActorSystem store)
    {
        _store = store;
        Engine = new ActorDispatchEngine(store.System, Array.Empty<IEventTransport>());
    }

    public IActorDispatch Engine { get; }

    public static EngineHost Start(string name, E2eOptions o) => new(SqliteActorSystem.Create(name, o.Config));

    public Task<Subscription> CreateSubscriptionAsync(string name, string firstEvent, int readAhead, CancellationToken ct) =>
        Engine.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = Namespace,
            Name = name,
            Transport = "system",
            Options = new SubscriptionOptions { FirstEvent = firstEvent, ReadAhead = readAhead },
        }, ct);

    /// <summary>Waits until a dispatcher is bound to a listener of the subscription, so a live measurement starts attached.</summary>
    public async Task WaitUntilConnectedAsync(string name, Task listener, CancellationToken ct)
    {
        while ((await Engine.GetSubscriptionStatusAsync(Namespace, name, ct)).Connection is null)
        {
            if (listener.IsCompleted) await listener; // surfaces why the listener stopped
            await Task.Delay(ConnectPollInterval, ct);
        }
    }

    public ValueTask DisposeAsync() => _store.DisposeAsync();
}
