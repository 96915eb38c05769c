namespace ChatClient;

/// <summary>The command line: <c>--server</c>, <c>--user</c>, <c>--device</c>, <c>--help</c>.</summary>
internal sealed record ChatArguments(Uri Server, string User, string Device)
{
    /// <summary>What <c>--help</c> prints.</summary>
    public const string Usage = """
        usage: ChatClient --user <id> [--server <url>] [--device <id>]

          --user <id>       who you are (1 to 64 letters, digits, dots, dashes, underscores or @)
          --server <url>    the chat server (default http://localhost:5000)
          --device <id>     this device's id (default console)
          -h, --help        show this help
        """;

    /// <summary>
    /// Parses <paramref name="args"/>. Returns the arguments to run with, or <see langword="null"/> with the exit code
    /// to stop with: 0 after printing the usage to <paramref name="output"/> for <c>--help</c>, 2 after printing the
    /// problem and the usage to <paramref name="error"/> for a bad command line.
    /// </summary>
    public static ChatArguments? Parse(string[] args, TextWriter output, TextWriter error, out int exitCode)
    {
        if (TryParse(args, out var arguments, out var problem))
        {
            exitCode = 0;
            return arguments;
        }

        if (problem is null)
        {
            output.WriteLine(Usage);
            exitCode = 0;
        }
        else
        {
            error.WriteLine(problem);
            error.WriteLine(Usage);
            exitCode = 2;
        }

        return null;
    }

    /// <summary>Parses; on <see langword="false"/>, <paramref name="problem"/> is <see langword="null"/> when help was asked for.</summary>
    private static bool TryParse(string[] args, out ChatArguments? arguments, out string? problem)
    {
        var server = "http://localhost:5000";
        string? user = null;
        var device = "console";
        arguments = null;
        problem = null;
        for (var i = 0; i < args.Length; i++)
        {
            var option = args[i];
            if (option is "--help" or "-h")
            {
                return false;
            }

            if (option is not ("--server" or "--user" or "--device"))
            {
                problem = $"unknown option {option}.";
                return false;
            }

            if (i + 1 >= args.Length)
            {
                problem = $"{option} needs a value.";
                return false;
            }

            var value = args[++i];
            switch (option)
            {
                case "--server":
                    server = value;
                    break;
                case "--user":
                    user = value;
                    break;
                default:
                    device = value;
                    break;
            }
        }

        if (user is null)
        {
            problem = "--user is required.";
            return false;
        }

        if (!UserIds.IsValid(user))
        {
            problem = $"--user: {UserIds.Problem(user)}";
            return false;
        }

        if (!Uri.TryCreate(server, UriKind.Absolute, out var serverUri) || serverUri.Scheme is not ("http" or "https"))
        {
            problem = $"--server {server} is not an absolute http or https URL.";
            return false;
        }

        arguments = new ChatArguments(serverUri, user, device);
        return true;
    }
}
