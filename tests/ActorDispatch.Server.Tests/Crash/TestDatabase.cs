using Npgsql;

namespace ActorDispatch.Server.Tests.Crash;

/// <summary>
/// Every spec that uses the PostgreSQL server: they run one after another, since one of them
/// (<see cref="StoreFaultSpec"/>) stops the server for a while, which would fail the others' writes.
/// </summary>
[CollectionDefinition(nameof(PostgresServerCollection), DisableParallelization = true)]
public sealed class PostgresServerCollection;

/// <summary>A fresh PostgreSQL database on the server named by ACTORDISPATCH_TEST_POSTGRES, or a skip that says why.</summary>
public static class TestDatabase
{
    public const string Variable = "ACTORDISPATCH_TEST_POSTGRES";

    public static string Create()
    {
        var server = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(server))
            throw new SkipException($"PostgreSQL tests skipped: {Variable} is not set (.ci/run starts a private server and sets it)");
        var database = $"ad_{Guid.NewGuid():N}";
        // Unpooled: a spec that restarts the server (StoreFaultSpec) leaves pooled connections dead.
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ConnectionString);
        connection.Open();
        using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
        create.ExecuteNonQuery();
        return new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
    }
}
