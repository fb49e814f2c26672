using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using ActorDispatch.Model;

namespace ActorDispatch.Log;

/// <summary>Checks appended events and namespace names against PROTOCOL.md's rules, naming the field at fault.</summary>
internal static partial class EventValidator
{
    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,64}$")]
    private static partial Regex TypePattern();

    [GeneratedRegex("^[a-z0-9_-]{1,64}$")]
    private static partial Regex NamespacePattern();

    public const int MaxStringLength = 256;

    public static void ValidateNamespace(string? ns)
    {
        if (ns is null || !NamespacePattern().IsMatch(ns)) throw Errors.InvalidNamespace(ns ?? "");
    }

    public static void Validate(NewEvent e, long maxDataSize, string prefix = "")
    {
        if (string.IsNullOrEmpty(e.Type)) throw Errors.InvalidField(prefix + "type", "is required");
        if (!TypePattern().IsMatch(e.Type)) throw Errors.InvalidField(prefix + "type", "must be 1-64 characters of [A-Za-z0-9_.:-]");
        CheckLength(e.Topic, prefix + "topic");
        CheckLength(e.Tag, prefix + "tag");
        CheckLength(e.Author, prefix + "author");
        if (e.Data is { } data)
        {
            // The size of the JSON text as it arrived, read without copying it (this runs for every append).
            var size = JsonMarshal.GetRawUtf8Value(data).Length;
            if (size > maxDataSize) throw Errors.PayloadTooLarge(prefix + "data", size, maxDataSize);
        }
    }

    public static void Validate(IReadOnlyList<NewEvent> events, long maxDataSize)
    {
        if (events.Count == 0) throw Errors.InvalidField("events", "at least one event is required");
        if (events.Count == 1)
        {
            Validate(events[0], maxDataSize);
            return;
        }
        for (var i = 0; i < events.Count; i++)
        {
            try
            {
                Validate(events[i], maxDataSize);
            }
            catch (ActorDispatchException)
            {
                Validate(events[i], maxDataSize, $"[{i}]."); // again, naming the event's position
                throw;
            }
        }
    }

    private static void CheckLength(string? value, string field)
    {
        if (value is { Length: > MaxStringLength }) throw Errors.InvalidField(field, $"longer than {MaxStringLength} characters");
    }
}
