using ActorDispatch.Configuration;
using ActorDispatch.Tests.Support;

namespace ActorDispatch.Tests.Engine;

/// <summary>
/// On SQLite the engine checkpoints the write-ahead log from the side, so that appends' commits never
/// cross SQLite's own checkpoint threshold (1,000 pages) and stall copying the WAL into the database.
/// </summary>
public sealed class WalCheckpointSpec : Akka.TestKit.Xunit2.TestKit
{
    private readonly string _path;

    public WalCheckpointSpec(ITestOutputHelper output)
        : this(output, TempDatabase.NewPath())
    {
    }

    private WalCheckpointSpec(ITestOutputHelper output, string path)
        : base(EngineSpec.Compose(StorageConfig.Sqlite(path), null), "wal", output)
    {
        _path = path;
    }

    [Fact]
    public async Task Appended_events_reach_the_database_file_long_before_SQLite_would_checkpoint_them()
    {
        var engine = new ActorDispatchEngine(Sys, []);
        var data = System.Text.Json.JsonSerializer.SerializeToElement(new { text = new string('x', 1000) });
        // About 400 KiB of WAL: a tenth of SQLite's own threshold, so only the engine's checkpoints
        // move it into the database file.
        for (var i = 0; i < 4; i++)
            await engine.AppendAsync(EngineSpec.Ns, Enumerable.Range(0, 100).Select(_ => new ActorDispatch.Model.NewEvent { Type = "t", Data = data }).ToList());

        AwaitAssert(() => Assert.True(new FileInfo(_path).Length > 400_000, $"database file is {new FileInfo(_path).Length} bytes"),
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" }) File.Delete(file);
    }
}
