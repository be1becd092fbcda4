# The answers of the API against its OpenAPI description (make openapi-check).
#
# One nginx with the module, the API at /api/ and SCIM 2.0 at /scim/v2/
# behind README's bearer token; requests that reach every route with its
# success and its errors (the same requests as the Test::Nginx suites: bad
# names, unknown users and ids, wrong media types, bad query options, bad
# filters, PATCH operations and versions, 405s and 404s, and a SCIM request
# without the token). Then the requests of the Test::Nginx suites themselves
# (t/0*.t: the `--- request` of every block whose location is `/api/` with
# `mytimetable;` or `/scim/v2/` with `mytimetable_scim;`, with its
# `--- more_headers`), each file's in its order to an nginx with a store of
# its own (not one per block, as the suites have: the answers differ from
# what the blocks expect, but each must still be one the description has).
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

use MyTimetable::Scim;
use MyTimetable::Server;

plan skip_all => 'TEST_NGINX_LOAD_MODULES must name the module'
    unless $ENV{TEST_NGINX_LOAD_MODULES} && -f $ENV{TEST_NGINX_LOAD_MODULES};

my $root = "$FindBin::Bin/../..";
my $npm  = $ENV{MTT_NPM_DIR} // "$root/build/npm";
plan skip_all => "the npm tools are not installed in $npm (make deps)"
    unless -d "$npm/node_modules/ajv";

my $scim = MyTimetable::Scim->new(http_config => 'mytimetable_durability relaxed;');
my $srv = $scim->server;
my $json = JSON::PP->new->utf8->canonical;
my @answers;

# record(METHOD, PATH, ANSWER, [API]): API 'scim' for the SCIM location
sub record {
    my ($method, $path, $r, $api) = @_;
    my %h = map { lc($_) => (ref $r->{headers}{$_} ? join(', ', @{ $r->{headers}{$_} }) : $r->{headers}{$_}) }
        keys %{ $r->{headers} };
    my $content = $r->{content} // '';
    utf8::decode($content) if ($h{'content-type'} // '') =~ /json|text/;
    push @answers, { method => $method, path => $path, status => $r->{status} + 0,
                     headers => \%h, body => $content, ($api ? (api => $api) : ()) };
}

sub send_request {
    my ($method, $path, $body, $type) = @_;
    my $r = $srv->request($method, $path, $body, $type);
    record($method, $path, $r);
    return $r;
}

sub json_of { my $r = shift; return JSON::PP->new->utf8->decode($r->{content}) }

# send_scim(METHOD, PATH, [BODY (a ref: as JSON)], [HEADERS]): with the token,
# a body as application/scim+json unless HEADERS say otherwise
sub send_scim {
    my ($method, $path, $body, $headers) = @_;
    my $r = $scim->scim($method, $path, $body, $headers);
    record($method, $path, $r, 'scim');
    return $r;
}

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

# ---- SCIM 2.0 (the location /scim/v2/)
# Each request with the status it aims at (checked below, so that a changed
# fixture cannot quietly turn a request into another case).
my $CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
my $ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
my $GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
my $PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
my $none = '00000000-0000-4000-8000-000000000000';
my $true = JSON::PP::true;
my $patch = sub { return { schemas => [$PATCH], Operations => [@_] } };
my @unexpected;
sub scim {
    my ($status, @request) = @_;
    my $r = send_scim(@request);
    push @unexpected, "$request[0] $request[1]: $r->{status}, expected $status" if $r->{status} != $status;
    return $r;
}
sub id_of { my $r = shift; return eval { json_of($r)->{id} } // 'none' }

# the token, checked by nginx before the module
scim(401, GET => 'Users', undef, {Authorization => ''});
scim(401, POST => 'Users', {userName => 'intruder'}, {Authorization => 'Bearer wrong'});

# users
scim(200, GET => 'Users?filter=userName+eq+%22ffe1fe2d-0ab3-4d4b-9f0e-6a1e6b8a9c33%22');
my $bj = id_of(scim(201, POST => 'Users', {
    schemas => [$CORE, $ENT], userName => 'bjensen', externalId => 'bjensen-ext',
    name => {formatted => 'Ms. Barbara J Jensen, III', familyName => 'Jensen', givenName => 'Barbara'},
    displayName => 'Babs Jensen', nickName => 'Babs', title => 'Tour Guide', locale => 'en-US',
    active => $true, password => 't1meMa$heen',
    emails => [{value => 'bjensen@example.com', type => 'work', primary => $true},
               {value => 'babs@jensen.org', type => 'home'}],
    phoneNumbers => [{value => '555-555-5555', type => 'work'}],
    addresses => [{type => 'work', streetAddress => '100 Universal City Plaza', locality => 'Hollywood',
                   country => 'USA', primary => $true}],
    roles => [{value => 'guide', display => 'Guide', primary => $true}],
    $ENT => {employeeNumber => '701984', department => 'Tour Operations',
             manager => {value => '26118915-6090-4610-87e4-49d8ca9f808d'}},
}));
my $js = id_of(scim(201, POST => 'Users?attributes=userName', {userName => 'jsmith', active => 'False'}));
scim(409, POST => 'Users', {userName => 'BJENSEN'});
scim(400, POST => 'Users', {displayName => 'nobody'});
scim(400, POST => 'Users', {userName => 'x', color => 'red'});
scim(400, POST => 'Users', '{"userName":', {'Content-Type' => 'application/json'});
scim(415, POST => 'Users', 'userName=x', {'Content-Type' => 'text/plain'});
scim(200, GET => 'Users');
scim(200, GET => 'Users?filter=userName%20eq%20%22BJENSEN%22');
scim(200, GET => 'Users?filter=externalId%20eq%20%22bjensen-ext%22&attributes=userName,emails.value');
scim(200, GET => 'Users?filter=emails%5Btype%20eq%20%22work%22%5D.value%20co%20%22example%22');
scim(200, GET => 'Users?startIndex=1&count=1&sortBy=name.familyName&sortOrder=descending');
scim(200, GET => 'Users?startIndex=0&count=-1');
scim(200, GET => "Users?excludedAttributes=emails,meta,$ENT:employeeNumber");
scim(400, GET => 'Users?filter=title%20eq');
scim(400, GET => 'Users?count=x');
scim(400, GET => 'Users?sortOrder=sideways');
scim(400, GET => 'Users?attributes=color');
scim(200, GET => "Users/$bj");
scim(200, HEAD => "Users/$bj");
scim(200, GET => "Users/$bj?attributes=userName,$ENT:employeeNumber");
scim(400, GET => "Users/$bj?excludedAttributes=nope");
scim(404, GET => "Users/$none");
scim(404, GET => 'Users/not-a-guid');
my $put = {schemas => [$CORE], userName => 'bjensen', name => {givenName => 'Barbara', familyName => 'Jensen'},
           emails => [{value => 'bjensen@example.com', type => 'work', primary => $true}], title => 'Guide'};
my $etag = scim(200, PUT => "Users/$bj", $put)->{headers}{etag};
scim(412, PUT => "Users/$bj", $put, {'If-Match' => 'W/"1"'});
scim(200, PUT => "Users/$bj", $put, {'If-Match' => $etag});
scim(409, PUT => "Users/$js", {userName => 'bjensen'});
scim(404, PUT => "Users/$none", $put);
scim(400, PUT => "Users/$bj", {title => 'no userName'});
scim(415, PUT => "Users/$bj", 'userName=x', {'Content-Type' => 'text/plain'});
scim(200, PATCH => "Users/$bj", $patch->({op => 'Replace', path => 'active', value => 'False'}));
scim(200, PATCH => "Users/$bj", $patch->({op => 'add', path => 'emails[type eq "work"].value', value => 'bj@example.org'},
                                         {op => 'replace', value => {'name.familyName' => 'Jensen-Smith', nickName => 'BJ'}}));
scim(200, PATCH => "Users/$bj?excludedAttributes=groups", $patch->({op => 'remove', path => 'nickName'}));
scim(400, PATCH => "Users/$bj", $patch->({op => 'remove'}));
scim(400, PATCH => "Users/$bj", $patch->({op => 'replace', path => 'emails[type eq]', value => 'x'}));
scim(400, PATCH => "Users/$bj", $patch->({op => 'move', path => 'title'}));
scim(400, PATCH => "Users/$bj", {Operations => [{op => 'remove', path => 'title'}]});
scim(409, PATCH => "Users/$bj", $patch->({op => 'replace', path => 'userName', value => 'jsmith'}));
scim(412, PATCH => "Users/$bj", $patch->({op => 'remove', path => 'title'}), {'If-Match' => 'W/"1"'});
scim(404, PATCH => "Users/$none", $patch->({op => 'remove', path => 'title'}));
scim(415, PATCH => "Users/$bj", '{}', {'Content-Type' => 'text/plain'});
scim(405, POST => "Users/$bj", {userName => 'x'});
scim(405, DELETE => 'Users');

# groups: the roles
my $guides = id_of(scim(201, POST => 'Groups', {schemas => [$GROUP], displayName => 'tour guides',
                                                externalId => 'guides-ext', members => [{value => $bj}]}));
scim(201, POST => 'Groups?excludedAttributes=members', {displayName => 'nobody yet'});
scim(409, POST => 'Groups', {displayName => 'tour guides'});
scim(400, POST => 'Groups', {displayName => 'ghosts', members => [{value => $none}]});
scim(400, POST => 'Groups', {members => []});
scim(415, POST => 'Groups', 'displayName=x', {'Content-Type' => 'text/plain'});
scim(200, GET => 'Groups');
scim(200, GET => 'Groups?filter=displayName%20eq%20%22TOUR%20GUIDES%22&excludedAttributes=members');
scim(200, GET => "Groups?filter=members%20eq%20%22$bj%22&sortBy=displayName&count=1");
scim(400, GET => 'Groups?filter=displayName%20zz%20%22x%22');
scim(200, GET => "Groups/$guides");
scim(200, HEAD => "Groups/$guides");
scim(400, GET => "Groups/$guides?attributes=nope");
scim(404, GET => "Groups/$none");
scim(200, PUT => "Groups/$guides", {displayName => 'tour guides', members => [{value => $bj}, {value => $js}]});
scim(412, PUT => "Groups/$guides", {displayName => 'tour guides'}, {'If-Match' => 'W/"1"'});
scim(409, PUT => "Groups/$guides", {displayName => 'nobody yet'});
scim(400, PUT => "Groups/$guides", {displayName => ''});
scim(404, PUT => "Groups/$none", {displayName => 'x'});
scim(415, PUT => "Groups/$guides", '{}', {'Content-Type' => 'text/plain'});
scim(204, PATCH => "Groups/$guides", $patch->({op => 'Remove', path => "members[value eq \"$js\"]"}));
scim(200, PATCH => "Groups/$guides?attributes=displayName",
     $patch->({op => 'Add', path => 'members', value => [{value => $js}]}));
scim(409, PATCH => "Groups/$guides", $patch->({op => 'replace', path => 'displayName', value => 'nobody yet'}));
scim(400, PATCH => "Groups/$guides", $patch->({op => 'add', path => 'members', value => [{value => 'x'}]}));
scim(412, PATCH => "Groups/$guides", $patch->({op => 'remove', path => 'members'}), {'If-Match' => 'W/"1"'});
scim(404, PATCH => "Groups/$none", $patch->({op => 'remove', path => 'members'}));
scim(415, PATCH => "Groups/$guides", '{}', {'Content-Type' => 'text/plain'});
scim(412, DELETE => "Groups/$guides", undef, {'If-Match' => 'W/"1"'});
scim(204, DELETE => "Groups/$guides");
scim(404, DELETE => "Groups/$guides");
scim(405, PUT => 'Groups', {displayName => 'x'});

# a user deleted
scim(412, DELETE => "Users/$js", undef, {'If-Match' => 'W/"1000"'});
scim(204, DELETE => "Users/$js");
scim(404, DELETE => "Users/$js");

# discovery, unknown paths
scim(200, GET => 'ServiceProviderConfig');
scim(200, HEAD => 'ServiceProviderConfig');
scim(405, PUT => 'ServiceProviderConfig', {});
scim(200, GET => 'Schemas');
scim(200, GET => "Schemas/$_") for $CORE, $ENT, $GROUP;
scim(404, GET => 'Schemas/urn:ietf:params:scim:schemas:core:2.0:Nothing');
scim(400, GET => 'Schemas/%ff');
scim(405, DELETE => "Schemas/$CORE");
scim(200, GET => 'ResourceTypes');
scim(200, GET => 'ResourceTypes/User');
scim(200, GET => 'ResourceTypes/Group');
scim(404, GET => 'ResourceTypes/Printer');
scim(400, GET => 'ResourceTypes/%C0%AF');
scim(404, GET => 'Bulk');
scim(404, GET => 'Users/x/y');
scim(400, GET => 'Users/..');
scim(400, GET => 'Users//x');
is(join("\n", @unexpected), '', 'each SCIM request answered the status it aims at');

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
my ($replayed, $replayed_scim, $by_nginx, $files, $unsent, $alerts) = (0, 0, 0, 0, 0, '');
my $n = 0;
# the blocks of each location, by the prefix of their requests
my %location = (api => qr!location\s+/api/\s*\{[^}]*\bmytimetable;!,
                'scim/v2' => qr!location\s+/scim/v2/\s*\{[^}]*\bmytimetable_scim;!);
for my $file (sort glob "$root/t/0*.t") {
    my @blocks = grep { my $c = $_->{config} // ''; grep { $c =~ $_ } values %location } blocks_of($file, ++$n);
    next unless @blocks;
    $files++;
    # writes flushed within a second, not each synced: the answers are the same
    my $replay = MyTimetable::Server->new(workers => 1, http_config => 'mytimetable_durability relaxed;',
                                          server_config => 'location /scim/v2/ { mytimetable_scim; }')->start;
    for my $b (@blocks) {
        my @requests = ref $b->{request} ? @{ $b->{request} } : ($b->{request});
        my $headers = $b->{more_headers} // '';
        for my $i (0 .. $#requests) {
            my ($line, $body) = split /\n/, $requests[$i], 2;
            my ($method, $prefix, $uri) = $line =~ m{\A(\S+)\s+/(api|scim/v2)/(\S*)} or next;
            next unless ($b->{config} // '') =~ $location{$prefix};
            my %h = map { /\A([^:\s]+):\s*(.*)\z/ ? (lc $1 => $2) : () }
                split /\n/, ref $headers ? ($headers->[$i] // '') : $headers;
            delete $h{$_} for qw(host content-length connection);
            my %opt = (headers => \%h);
            $opt{content} = $body if defined $body && $body ne '';
            my $url = 'http://127.0.0.1:' . $replay->port . "/$prefix/$uri";
            my $r = eval { $http->request($method, $url, \%opt) };
            if (!$r || $r->{status} == 599) { $unsent++; next }
            # nginx's own refusals (a malformed escape, an overlong line or
            # body) are nginx's HTML pages, not the module's answers
            if (($r->{headers}{'content-type'} // '') =~ m{^text/html} && ($r->{content} // '') =~ m{<center>nginx}) {
                $by_nginx++;
                next;
            }
            record($method, $uri, $r, $prefix eq 'api' ? undef : 'scim');
            $replayed++;
            $replayed_scim++ if $prefix ne 'api';
        }
    }
    $replay->stop_now;
    $alerts .= join '', map { "$file: $_\n" } grep { /\[(?:alert|crit|emerg)\]/ } split /\n/, $replay->error_log;
}
diag("replayed $replayed requests of the suites' blocks ($replayed_scim of SCIM's; $by_nginx answered by nginx itself, $unsent not sent)")
    if $ENV{TEST_VERBOSE};
ok($files >= 10 && $replayed >= 1000, "the requests of the suites' blocks were replayed ($replayed from $files files)");
ok($replayed_scim >= 20, "SCIM's among them ($replayed_scim)");
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
like($report, qr/^openapi: \d+ answers, 44 operations/m, 'the validator saw all 44 operations (27 of the API, 17 of SCIM)');

done_testing;
