# The answers of the API against its OpenAPI description (make openapi-check).
#
# One nginx with the module; requests that reach every route with its
# success and its errors (the same requests as the Test::Nginx suites: bad
# names, unknown users and ids, wrong media types, bad query options, 405s
# and 404s). Then the requests of the Test::Nginx suites themselves (t/0*.t:
# the `--- request` of every block whose location is `/api/` with
# `mytimetable;`, with its `--- more_headers`), each file's in its order to
# an nginx with a store of its own (not one per block, as the suites have:
# the answers differ from what the blocks expect, but each must still be one
# the description has).
# Each exchange is recorded, then t/openapi/validate.mjs checks every answer
# against doc/openapi.json (status described, media type, headers, body
# schema) and that every operation was answered.
use strict;
use warnings;

use Test::More;
use File::Temp qw(tempdir);
use FindBin;
use HTTP::Tiny;
use JSON::PP;

use MyTimetable::Server;

plan skip_all => 'TEST_NGINX_LOAD_MODULES must name the module'
    unless $ENV{TEST_NGINX_LOAD_MODULES} && -f $ENV{TEST_NGINX_LOAD_MODULES};

my $root = "$FindBin::Bin/../..";
my $npm  = $ENV{MTT_NPM_DIR} // "$root/build/npm";
plan skip_all => "the npm tools are not installed in $npm (make deps)"
    unless -d "$npm/node_modules/ajv";

my $srv = MyTimetable::Server->new(workers => 1, http_config => 'mytimetable_durability relaxed;')->start;
my $json = JSON::PP->new->utf8->canonical;
my @answers;

sub record {
    my ($method, $path, $r) = @_;
    my %h = map { lc($_) => (ref $r->{headers}{$_} ? join(', ', @{ $r->{headers}{$_} }) : $r->{headers}{$_}) }
        keys %{ $r->{headers} };
    my $content = $r->{content} // '';
    utf8::decode($content) if ($h{'content-type'} // '') =~ /json|text/;
    push @answers, { method => $method, path => $path, status => $r->{status} + 0,
                     headers => \%h, body => $content };
}

sub send_request {
    my ($method, $path, $body, $type) = @_;
    my $r = $srv->request($method, $path, $body, $type);
    record($method, $path, $r);
    return $r;
}

sub json_of { my $r = shift; return JSON::PP->new->utf8->decode($r->{content}) }

my $form = 'application/x-www-form-urlencoded';
my $jsont = 'application/json';
my $event = 'start=2031-03-04T09:00:00Z&end=2031-03-04T10:00:00Z&summary=Lecture&location=Hall+1';

# ---- v0 users
send_request(GET => 'v0/users');
send_request(PUT => 'v0/users/alice');
send_request(PUT => 'v0/users/bad%01name');
send_request(PUT => 'v0/users/bob', 'displayName=Bob+Jones&locale=nl-NL&attributes=faculty%3Dscience&roles=student&roles=staff', $form);
send_request(PUT => 'v0/users/bob', 'displayName=Bob+J.', $form);
send_request(PUT => 'v0/users/bob', 'username=bob', $form);
send_request(PUT => 'v0/users/bob', '{}', $jsont);
send_request(POST => 'v0/users', 'username=carol&displayName=Carol&roles=student', $form);
send_request(POST => 'v0/users', 'username=carol', $form);
send_request(POST => 'v0/users', 'displayName=nobody', $form);
send_request(POST => 'v0/users', 'username=dave&locale=not+a+locale', $form);
send_request(POST => 'v0/users', '{"username":"x"}', $jsont);
send_request(GET => 'v0/users');
send_request(HEAD => 'v0/users');
send_request(GET => 'v0/users/bob');
send_request(GET => 'v0/users/alice');
send_request(GET => 'v0/users/nobody');
send_request(GET => 'v0/users/%ff');
send_request(DELETE => 'v0/users/nobody');
send_request(DELETE => 'v0/users/%01');
send_request(POST => 'v0/users/bob');
send_request(PATCH => 'v0/users', 'a=b', $form);

# ---- synchronizations
send_request(PUT => 'v0/synchronizations', 'username=alice&type=o365&provisioning_smtpAddress=alice@example.org', $form);
send_request(PUT => 'v0/synchronizations', 'username=alice&type=googlecalendar', $form);
send_request(PUT => 'v0/synchronizations', 'username=bob&type=ews&provisioning_smtpAddress=bob@example.org', $form);
send_request(PUT => 'v0/synchronizations', 'username=nobody&type=googlecalendar', $form);
send_request(PUT => 'v0/synchronizations', 'username=alice&type=unknown', $form);
send_request(PUT => 'v0/synchronizations', 'username=alice&type=o365', $form);
send_request(PUT => 'v0/synchronizations', 'username=alice', 'text/plain');
my $syncs = json_of(send_request(GET => 'v0/synchronizations'))->{synchronizations};
my ($o365) = map { $_->{id} } grep { $_->{type} eq 'o365' } @$syncs;
my ($gcal) = map { $_->{id} } grep { $_->{type} eq 'googlecalendar' } @$syncs;
my ($ews)  = map { $_->{id} } grep { $_->{type} eq 'ews' } @$syncs;
ok($o365 && $gcal && $ews, 'three synchronizations were made');
send_request(GET => 'v0/users/alice/synchronizations');
send_request(GET => 'v0/users/nobody/synchronizations');
send_request(GET => 'v0/users/%7F/synchronizations');
send_request(POST => 'v0/synchronizations');

# ---- events
send_request(PUT => "v0/synchronizations/$o365/events/lecture-1", $event, $form);
send_request(PUT => "v0/synchronizations/$o365/events/lecture-2", $event =~ s/09:00/08:00/r, $form);
send_request(PUT => "v0/synchronizations/$gcal/events/lecture-3", $event, $form);
send_request(PUT => "v0/synchronizations/$o365/events/lecture-1", 'start=yesterday&end=2031-03-04T10:00:00Z&summary=a&location=b', $form);
send_request(PUT => "v0/synchronizations/$o365/events/lecture-1", $event, $jsont);
send_request(PUT => 'v0/synchronizations/999999/events/x', $event, $form);
send_request(PUT => 'v0/synchronizations/zero/events/x', $event, $form);
send_request(GET => "v0/synchronizations/$o365/events");
send_request(GET => 'v0/synchronizations/999999/events');
send_request(GET => 'v0/synchronizations/-1/events');
send_request(GET => 'v0/users/alice/events');
send_request(GET => 'v0/users/nobody/events');
send_request(GET => 'v0/users/a%2Fb/events');
send_request(GET => 'v0/users/alice/calendar.ics');
send_request(HEAD => 'v0/users/alice/calendar.ics');
send_request(GET => 'v0/users/nobody/calendar.ics');
send_request(GET => 'v0/users/%01/calendar.ics');
send_request(DELETE => "v0/synchronizations/$o365/events/lecture-1");

# ---- unlinking
send_request(DELETE => "v0/synchronizations/$o365?unlinkMode=DELETE_FUTURE_EVENTS");
send_request(DELETE => "v0/synchronizations/$o365?unlinkMode=UNLINK_ONLY");
send_request(DELETE => "v0/synchronizations/$gcal");
send_request(DELETE => "v0/synchronizations/$gcal?unlinkMode=SOMETIMES");
send_request(DELETE => 'v0/synchronizations/abc?unlinkMode=CLEANUP');
send_request(DELETE => 'v0/users/bob/synchronizations/ews?unlinkMode=CLEANUP');
send_request(DELETE => 'v0/users/bob/synchronizations/ews');
send_request(DELETE => 'v0/users/nobody/synchronizations/ews?unlinkMode=CLEANUP');
send_request(DELETE => 'v0/users/alice/synchronizations?unlinkMode=DELETE_ALL_EVENTS');
send_request(DELETE => 'v0/users/alice/synchronizations?unlinkMode=');
send_request(DELETE => 'v0/users/nobody/synchronizations?unlinkMode=CLEANUP');
send_request(PUT => 'v0/users/alice/synchronizations');

# ---- the directory
my $created = send_request(POST => 'users', '{"UserName":"janed","Email":"janed@unknown.net","FirstName":"Jane","LastName":"Doe"}', $jsont);
my $id = eval { json_of($created)->[0]{Id} } // 'none';
send_request(POST => 'users', '{"UserName":"janed","Email":"jane2@unknown.net"}', $jsont);
send_request(POST => 'users', '{"UserName":"x"}', $jsont);
send_request(POST => 'users', '{"UserName":"x","Email":"x@example.org","Color":"red"}', $jsont);
send_request(POST => 'users', '{"UserName":', $jsont);
send_request(POST => 'users', 'UserName=x', $form);
send_request(GET => 'users');
send_request(HEAD => 'users');
send_request(GET => 'users?$filter=' . "startswith(tolower(LastName),'do')%20and%20Enabled" . '&$orderby=LastName,FirstName%20desc&$top=10');
send_request(GET => 'users?$inlinecount=allpages&$top=1&$skip=1');
send_request(GET => 'users?$inlinecount=allpages&$orderby=UserName%20desc');
send_request(GET => 'users?$filter=UserName%20eq%20' . "'janed'");
send_request(GET => 'users?$filter=FirstName%20eq');
send_request(GET => 'users?$orderby=Color');
send_request(GET => 'users?$top=-1');
send_request(GET => 'users?$frobnicate=1');
send_request(GET => 'users?$callback=f');
# OData v4 forms: answered once they are implemented, 400 until then; either
# way the answer must be one the description has
send_request(GET => 'users?$count=true');
send_request(GET => 'users?$count=true&$inlinecount=allpages');
send_request(GET => 'users?$select=UserName,Email');
send_request(GET => 'users?$format=json');
send_request(GET => 'users?$expand=Groups');
send_request(GET => "user/$id");
send_request(HEAD => "user/$id");
send_request(GET => 'user/00000000-0000-4000-8000-000000000000');
send_request(GET => 'user/not-a-guid');
send_request(PUT => "user/$id", '{"Phone":"(09)-555-999"}', $jsont);
send_request(PUT => "user/$id", '{"UserName":"bob"}', $jsont);
send_request(PUT => "user/$id", '{"Enabled":"yes"}', $jsont);
send_request(PUT => "user/$id", 'Phone=1', $form);
send_request(PUT => 'user/00000000-0000-4000-8000-000000000000', '{"Phone":"1"}', $jsont);
send_request(PUT => "user/$id/password", '{"Password":"correct horse battery"}', $jsont);
send_request(PUT => "user/$id/password", '{"Password":"short"}', $jsont);
send_request(PUT => "user/$id/password", '{"Password":"long enough","Phone":"1"}', $jsont);
send_request(PUT => "user/$id/password", 'Password=x', $form);
send_request(PUT => 'user/00000000-0000-4000-8000-000000000000/password', '{"Password":"long enough"}', $jsont);
my $bob = eval { json_of(send_request(GET => 'users?$filter=UserName%20eq%20' . "'bob'"))->[0]{Id} } // 'none';
send_request(GET => "user/$bob/groups");
send_request(GET => 'user/00000000-0000-4000-8000-000000000000/groups');
for my $sub (qw(permissions/global permissions/projects notifications mailmessages)) {
    send_request(GET => "user/$id/$sub");
    send_request(GET => "user/00000000-0000-4000-8000-000000000000/$sub");
}
send_request(POST => "user/$id");
send_request(DELETE => "user/$id/groups");
send_request(DELETE => "user/$id");
send_request(DELETE => "user/$id");
send_request(DELETE => 'users');

# ---- the description itself, unknown paths
my $d = send_request(GET => 'openapi.json');
is($d->{status}, 200, 'GET openapi.json answers 200');
like($d->{headers}{'content-type'}, qr{^application/json\b}, 'as application/json');
my $described = eval { json_of($d) } // {};
is($described->{openapi}, '3.1.0', 'an OpenAPI 3.1 description');
my $source = do { local $/; open my $f, '<', "$root/doc/openapi.json" or die $!; <$f> };
ok($d->{content} eq $source, 'the bytes of doc/openapi.json');
send_request(HEAD => 'openapi.json');
send_request(POST => 'openapi.json', '{}', $jsont);
send_request(DELETE => 'openapi.json');
send_request(GET => 'openapi.yaml');
send_request(GET => 'v1/users');
send_request(GET => 'v0/users/alice/nothing');

$srv->stop_now;
unlike($srv->error_log, qr/\[(?:alert|crit|emerg)\]/, 'no alert in error.log');

# ---- the requests of the Test::Nginx suites
# Each file's code before __DATA__ (its helpers and fixtures, which the
# blocks' `eval` sections use) runs in a package of its own (its `main::`
# names rewritten to it), where the Test::Nginx and MyTimetable::Blocks
# functions do nothing but add_block_preprocessor: the file's preprocessors
# (a default config) run on each block. Only the sections that make the
# requests are read.
package MyTimetable::Replay::Block {
    sub set_value { my ($self, $name, $value) = @_; $self->{$name} = $value }
    our $AUTOLOAD;
    sub AUTOLOAD { my $self = shift; (my $name = $AUTOLOAD) =~ s/.*:://; return $self->{$name} }
    sub DESTROY {}
}

sub blocks_of {
    my ($file, $n) = @_;
    my $text = do { local $/; open my $f, '<', $file or die "$file: $!"; <$f> };
    my ($prelude, $data) = $text =~ /\A(.*?)^__DATA__\n(.*)\z/ms or return;
    my $pkg = "MyTimetable::Replay::F$n";
    $prelude =~ s/^\s*use\s+(?:Test::Nginx::Socket|MyTimetable::\w+)\b[^;]*;//mg;
    s/\bmain::/${pkg}::/g for $prelude, $data;
    my @preprocessors;
    { no strict 'refs'; *{"${pkg}::add_block_preprocessor"} = sub { push @preprocessors, $_[0] }; }
    # as if the file ran: $FindBin::Bin is its directory
    local $FindBin::Bin = $file =~ s{/[^/]*\z}{}r;
    eval "package $pkg; no warnings; sub AUTOLOAD { return '' } $prelude; 1"
        or die "$file: its code before __DATA__ does not run here: $@";
    my @blocks;
    for my $text (split /^=== /m, $data) {
        my %sec;
        my @parts = split /^--- (\w+)((?:[ \t]+\w+)*)[ \t]*(?::[ \t]*(.*))?\n/m, $text;
        my $title = shift @parts;
        while (@parts) {
            my ($name, $filters, $inline, $value) = splice @parts, 0, 4;
            next unless $name =~ /\A(?:config|request|more_headers)\z/;
            $value = $inline if defined $inline && $inline ne '';
            $value //= '';
            if (($filters // '') =~ /\beval\b/) {
                my $v = eval "package $pkg; no warnings; $value";
                die "$file, $title: --- $name eval: $@" if $@;
                $value = $v;
            } elsif (!ref $value) {
                $value =~ s/\n+\z//;
            }
            $sec{$name} = $value;
        }
        my $block = bless { title => $title, %sec }, 'MyTimetable::Replay::Block';
        $_->($block) for @preprocessors;
        push @blocks, $block if $block->{request};
    }
    return @blocks;
}

# a new connection each: with keep-alive a request with a body waits for a
# delayed ACK (40 ms)
my $http = HTTP::Tiny->new(timeout => 30, keep_alive => 0);
my ($replayed, $by_nginx, $files, $unsent, $alerts) = (0, 0, 0, 0, '');
my $n = 0;
for my $file (sort glob "$root/t/0*.t") {
    my @blocks = grep { ($_->{config} // '') =~ m!location\s+/api/\s*\{[^}]*\bmytimetable;! } blocks_of($file, ++$n);
    next unless @blocks;
    $files++;
    # writes flushed within a second, not each synced: the answers are the same
    my $replay = MyTimetable::Server->new(workers => 1, http_config => 'mytimetable_durability relaxed;')->start;
    for my $b (@blocks) {
        my @requests = ref $b->{request} ? @{ $b->{request} } : ($b->{request});
        my $headers = $b->{more_headers} // '';
        for my $i (0 .. $#requests) {
            my ($line, $body) = split /\n/, $requests[$i], 2;
            my ($method, $uri) = $line =~ m{\A(\S+)\s+/api/(\S*)} or next;
            my %h = map { /\A([^:\s]+):\s*(.*)\z/ ? (lc $1 => $2) : () }
                split /\n/, ref $headers ? ($headers->[$i] // '') : $headers;
            delete $h{$_} for qw(host content-length connection);
            my %opt = (headers => \%h);
            $opt{content} = $body if defined $body && $body ne '';
            my $r = eval { $http->request($method, $replay->url($uri), \%opt) };
            if (!$r || $r->{status} == 599) { $unsent++; next }
            # nginx's own refusals (a malformed escape, an overlong line or
            # body) are nginx's HTML pages, not the module's answers
            if (($r->{headers}{'content-type'} // '') =~ m{^text/html} && ($r->{content} // '') =~ m{<center>nginx}) {
                $by_nginx++;
                next;
            }
            record($method, $uri, $r);
            $replayed++;
        }
    }
    $replay->stop_now;
    $alerts .= join '', map { "$file: $_\n" } grep { /\[(?:alert|crit|emerg)\]/ } split /\n/, $replay->error_log;
}
diag("replayed $replayed requests of the suites' blocks ($by_nginx answered by nginx itself, $unsent not sent)")
    if $ENV{TEST_VERBOSE};
ok($files >= 10 && $replayed >= 1000, "the requests of the suites' blocks were replayed ($replayed from $files files)");
is($alerts, '', 'no alert in the error.logs of the replay');

# ---- validation
my $dir = tempdir('mtt-openapi-XXXXXX', TMPDIR => 1, CLEANUP => 1);
open my $out, '>', "$dir/answers.jsonl" or die $!;
print $out $json->encode($_), "\n" for @answers;
close $out;
my $report = `MTT_NPM_DIR='$npm' node '$root/t/openapi/validate.mjs' '$root/doc/openapi.json' '$dir/answers.jsonl' 2>&1`;
my $rc = $? >> 8;
diag($report) if $rc || $ENV{TEST_VERBOSE};
is($rc, 0, 'every answer matches doc/openapi.json and every operation was answered')
    or diag($report);
like($report, qr/^openapi: \d+ answers, 27 operations/m, 'the validator saw all 27 operations');

done_testing;
