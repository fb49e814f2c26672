using System.Data.Common;

namespace ActorDispatch.Server.Configuration;

/// <summary>A PostgreSQL connection string as an operator may see it: host and database, never the user or password.</summary>
internal static class PostgresDescription
{
    public static string Of(string connectionString)
    {
        try
        {
            var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
            var host = Value(builder, "Host") ?? Value(builder, "Server");
            var database = Value(builder, "Database") ?? Value(builder, "DB");
            return host is null ? "postgresql" : $"postgresql:{host}/{database}";
        }
        catch (ArgumentException)
        {
            return "postgresql"; // Npgsql refuses it at start with its own error
        }
    }

    private static string? Value(DbConnectionStringBuilder builder, string key) =>
        builder.TryGetValue(key, out var value) && value is string { Length: > 0 } s ? s : null;
}
