using ActorDispatch.Configuration;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Data.Sqlite;

namespace ActorDispatch.Benchmarks.Shared;

/// <summary>
/// A fresh <see cref="ActorSystem"/> on a fresh SQLite file in its own temporary directory, with the
/// engine's storage and reference config: every measurement starts from an empty store. Disposing
/// shuts the system down (bounded) and deletes the directory.
/// </summary>
internal sealed class SqliteActorSystem : IAsyncDisposable
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    private static readonly Config Quiet = ConfigurationFactory.ParseString("akka.loglevel = WARNING");

    private readonly string _directory;

    private SqliteActorSystem(string directory, ActorSystem system)
    {
        _directory = directory;
        System = system;
    }

    public ActorSystem System { get; }

    /// <param name="name">The actor system's name.</param>
    /// <param name="overrides">HOCON over everything else, engine and storage settings alike (<c>--config</c>).</param>
    public static SqliteActorSystem Create(string name, Config overrides)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"actordispatch-bench-{Guid.NewGuid():N}");
        var config = overrides
            .WithFallback(Quiet)
            .WithFallback(StorageConfig.Sqlite(Path.Combine(directory, "events.db"), overrides))
            .WithFallback(ActorDispatchConfig.Reference);
        return new SqliteActorSystem(directory, ActorSystem.Create(name, config));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ActorSystemTerminateReason.Instance).WaitAsync(ShutdownTimeout);
        }
        catch (TimeoutException)
        {
            Progress.Log($"actor system {System.Name} did not shut down within {ShutdownTimeout.TotalSeconds:F0} s; abandoning it");
        }
        // Pooled connections keep the file open; release them before deleting it.
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException e)
        {
            Progress.Log($"could not delete {_directory}: {e.Message}");
        }
    }
}
