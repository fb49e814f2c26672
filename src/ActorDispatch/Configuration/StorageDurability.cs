using Akka.Configuration;

namespace ActorDispatch.Configuration;

/// <summary>
/// What an acknowledged append survives (<c>actordispatch.storage.durability</c>): the store's
/// commit is synced to disk before the engine answers, or written to the operating system only.
/// </summary>
public enum StorageDurability
{
    /// <summary>
    /// The default: every commit is synced to disk before it is acknowledged, so an acknowledged
    /// append survives a crash of the machine (SQLite: WAL with <c>synchronous=FULL</c>;
    /// PostgreSQL: the server's <c>synchronous_commit</c>, <c>on</c> unless its operator changed it).
    /// </summary>
    Full,

    /// <summary>
    /// An acknowledged append survives a crash of the process, but a crash of the machine or a
    /// power cut can lose the last commits (never corrupt the store): SQLite runs WAL with
    /// <c>synchronous=NORMAL</c>; PostgreSQL commits the engine's writes with
    /// <c>synchronous_commit=off</c> (a crash of the database server loses at most its
    /// <c>wal_writer_delay</c> times three).
    /// </summary>
    Process,
}

/// <summary>Reads and writes <c>actordispatch.storage.durability</c>.</summary>
public static class StorageDurabilitySetting
{
    /// <summary>The HOCON path of the setting.</summary>
    public const string Path = "actordispatch.storage.durability";

    /// <summary>The durability <paramref name="config"/> selects (over the reference default, <c>full</c>); an unknown value is refused naming the setting.</summary>
    public static StorageDurability Of(Config? config)
    {
        var text = (config ?? Config.Empty).WithFallback(ActorDispatchConfig.Reference).GetString(Path, "full");
        return Parse(text, Path);
    }

    /// <summary>Parses <c>full</c> or <c>process</c> (any case); otherwise an error naming <paramref name="setting"/>.</summary>
    public static StorageDurability Parse(string? text, string setting) => text?.Trim().ToLowerInvariant() switch
    {
        "full" => StorageDurability.Full,
        "process" => StorageDurability.Process,
        _ => throw Errors.InvalidField(setting, $"must be full or process, not '{text}'"),
    };

    /// <summary>The setting's value as HOCON and the server's configuration write it.</summary>
    public static string Name(this StorageDurability durability) => durability == StorageDurability.Process ? "process" : "full";
}
