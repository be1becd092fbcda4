# SCIM 2.0 Users over the one user table: what each API writes, the other two
# see with the same values; userName unique without case; ETags and If-Match;
# the list's filter, paging, sorting and projection; what the client sends
# within the schema comes back as sent.
use strict;
use warnings;

use Test::More;
use JSON::PP;

use MyTimetable::Scim;

plan skip_all => 'TEST_NGINX_LOAD_MODULES must name the module'
    unless $ENV{TEST_NGINX_LOAD_MODULES} && -f $ENV{TEST_NGINX_LOAD_MODULES};

my $s = MyTimetable::Scim->new;
my $base = $s->base;
sub plain { MyTimetable::Scim::plain(@_) }
my $CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
my $ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

# ---------------------------------------------------------------- three APIs, one user

# made through SCIM, with attributes beyond the shared fields
my $bjensen = {
    schemas => [$CORE, $ENT],
    userName => 'bjensen',
    externalId => 'bjensen-ext',
    name => {formatted => 'Ms. Barbara J Jensen, III', familyName => 'Jensen', givenName => 'Barbara',
             middleName => 'Jane'},
    displayName => 'Babs Jensen',
    title => 'Tour Guide',
    locale => 'en-US',
    active => JSON::PP::true,
    emails => [{value => 'bjensen@example.com', type => 'work', primary => JSON::PP::true},
               {value => 'babs@jensen.org', type => 'home'}],
    phoneNumbers => [{value => '555-555-5555', type => 'work'}, {value => '555-555-4444', type => 'mobile'}],
    addresses => [{type => 'work', streetAddress => '100 Universal City Plaza', locality => 'Hollywood',
                   region => 'CA', postalCode => '91608', country => 'USA', primary => JSON::PP::true}],
    roles => [{value => 'staff', display => 'Staff', primary => JSON::PP::true}],
    $ENT => {employeeNumber => '701984', costCenter => '4130', department => 'Tour Operations',
             manager => {value => '26118915-6090-4610-87e4-49d8ca9f808d'}},
};
my $r = $s->scim(POST => 'Users', $bjensen);
is($r->{status}, 201, 'POST Users answers 201');
my $id = $r->{json}{id};
my $made = plain($r->{json});
my %sent = %{ plain($bjensen) };
for my $k (grep { $_ ne 'schemas' } keys %sent) {
    is_deeply($made->{$k}, $sent{$k}, "$k comes back as sent");
}
is_deeply($made->{schemas}, [$CORE, $ENT], 'schemas: the core and the enterprise extension');
is_deeply($made->{groups}, [{value => $made->{groups}[0]{value}, '$ref' => "${base}Groups/$made->{groups}[0]{value}",
                             display => 'staff'}], 'groups: the role as a group');

my $dir = $s->api(GET => "user/$id")->{json};
is_deeply([@$dir{qw(UserName Email FirstName LastName Phone)}],
          ['bjensen', 'bjensen@example.com', 'Barbara', 'Jensen', '555-555-5555'],
          'the directory sees userName, the primary email, the names and the work phone');
my $v0 = $s->api(GET => 'v0/users/bjensen')->{json};
is($v0->{displayName}, 'Babs Jensen', 'v0 sees displayName');
is($v0->{locale}, 'en-US', 'and locale');
is_deeply($v0->{roles}, ['staff'], 'and the roles');
my %attrs = map { $_->{name} => $_->{values} } @{ $v0->{attributes} };
is_deeply($attrs{"$CORE:title"}, ['Tour Guide'], 'a single string is a v0 attribute under its URN, as it is');
is_deeply($attrs{"$ENT:employeeNumber"}, ['701984'], 'an enterprise attribute too');
is_deeply(JSON::PP->new->decode($attrs{"$ENT:manager"}[0]), {value => '26118915-6090-4610-87e4-49d8ca9f808d'},
          'a complex one as its JSON');

# a change through the directory shows in SCIM
$r = $s->api(PUT => "user/$id", '{"Email":"barbara@example.com","LastName":"Jensen-Smith","Phone":null}',
             'application/json');
is($r->{status}, 200, 'the directory changes the email and the names');
$r = $s->scim(GET => "Users/$id");
is_deeply(plain($r->{json}{emails}), [{value => 'barbara@example.com', type => 'work', primary => 'true'},
                                       {value => 'babs@jensen.org', type => 'home'}],
          'SCIM shows the new email in the primary entry');
is($r->{json}{name}{familyName}, 'Jensen-Smith', 'and the new familyName');
is_deeply(plain($r->{json}{phoneNumbers}), [{value => '555-555-4444', type => 'mobile'}],
          'and no work phone');
is($r->{headers}{etag}, 'W/"2"', 'each write bumps the version');

# made through v0 and the directory, seen by SCIM
$s->api(PUT => 'v0/users/alice', 'displayName=Alice+A&locale=nl-NL&roles=student');
$r = $s->scim(GET => 'Users?filter=userName+eq+%22ALICE%22');
is($r->{json}{totalResults}, 1, 'a v0 user is found by SCIM (userName without case)');
my $alice = $r->{json}{Resources}[0];
is_deeply([@$alice{qw(userName displayName locale)}], ['alice', 'Alice A', 'nl-NL'], 'with its v0 profile');
is_deeply($alice->{roles}, [{value => 'student'}], 'its roles');
is($alice->{groups}[0]{display}, 'student', 'and its role as a group');
$r = $s->api(POST => 'users', '{"UserName":"carol","Email":"carol@example.org","FirstName":"Carol","Enabled":false}',
             'application/json');
my $carol_id = $r->{json}[0]{Id};
$r = $s->scim(GET => "Users/$carol_id");
is_deeply(plain({map { $_ => $r->{json}{$_} } qw(userName name emails active)}),
          {userName => 'carol', name => {givenName => 'Carol'}, active => 'false',
           emails => [{value => 'carol@example.org', type => 'work', primary => 'true'}]},
          'a directory user is seen by SCIM with its fields');

# ---------------------------------------------------------------- uniqueness

$r = $s->scim(POST => 'Users', {userName => 'BJENSEN'});
is($r->{status}, 409, 'a userName that differs only by case is taken');
is($r->{json}{scimType}, 'uniqueness', 'scimType uniqueness');
is($r->{json}{detail}, "userName \"BJENSEN\" is taken (compared without case) by user $id", 'naming the user');
$r = $s->scim(PATCH => "Users/$carol_id", {schemas => ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations => [{op => 'replace', path => 'userName', value => 'Alice'}]});
is($r->{status}, 409, 'a rename to a taken name too');
is($s->api(POST => 'v0/users', 'username=BJENSEN')->{status}, 201,
   'v0 still makes a name that differs only by case');
$r = $s->scim(GET => 'Users?filter=userName+eq+%22bjensen%22&sortBy=userName');
is_deeply([map { $_->{userName} } @{ $r->{json}{Resources} }], ['BJENSEN', 'bjensen'], 'and SCIM finds both');
# userName eq alone answers what the index finds, in username byte order, paged
$r = $s->scim(GET => 'Users?filter=userName+eq+%22bjensen%22');
is_deeply([map { $_->{userName} } @{ $r->{json}{Resources} }], ['BJENSEN', 'bjensen'],
          'userName eq alone: both, in username byte order');
is_deeply($r->{json}{Resources}[1], $s->scim(GET => "Users/$id")->{json},
          'each resource as GET Users/{id} answers it');
$r = $s->scim(GET => 'Users?filter=userName+eq+%22bjensen%22&startIndex=2&count=1');
is_deeply([@{ $r->{json} }{qw(totalResults startIndex itemsPerPage)}, map { $_->{userName} } @{ $r->{json}{Resources} }],
          [2, 2, 1, 'bjensen'], 'startIndex=2&count=1: the second');
$r = $s->scim(GET => 'Users?filter=userName+eq+%22bjensen%22&count=0');
is_deeply([@{ $r->{json} }{qw(totalResults itemsPerPage)}, scalar @{ $r->{json}{Resources} }], [2, 0, 0],
          'count=0: the total only');
$r = $s->scim(GET => 'Users?filter=userName+eq+%22bjensen%22&startIndex=3');
is_deeply([@{ $r->{json} }{qw(totalResults startIndex itemsPerPage)}], [2, 3, 0], 'a startIndex past them: none');
$r = $s->scim(GET => 'Users?filter=userName+eq+%22bjensen%22&attributes=userName');
is_deeply([map { join ',', sort keys %$_ } @{ $r->{json}{Resources} }], ['id,meta,schemas,userName', 'id,meta,schemas,userName'],
          'and projected');
is_deeply([map { $_->{userName} } @{ $s->scim(GET => "Users?filter=id+eq+%22$id%22")->{json}{Resources} }], ['bjensen'],
          'id eq finds by the id');
is($s->scim(GET => 'Users?filter=id+eq+%22' . uc($id) . '%22')->{json}{totalResults}, 0, 'id is case-exact');
$r = $s->scim(PUT => "Users/$id", {%$bjensen, userName => 'bjensen', title => 'Guide'});
is($r->{status}, 409, 'then a write of either through SCIM is refused, until one is renamed');

# ---------------------------------------------------------------- If-Match

my $carol = $s->scim(GET => "Users/$carol_id");
my $etag = $carol->{headers}{etag};
$r = $s->scim(PUT => "Users/$carol_id", {userName => 'carol', active => JSON::PP::true}, {'If-Match' => 'W/"999"'});
is($r->{status}, 412, 'If-Match with a stale version answers 412');
is($r->{json}{detail}, "If-Match names another version than the resource's, $etag: read it again",
   'naming the current one');
$r = $s->scim(PUT => "Users/$carol_id", {userName => 'carol', active => JSON::PP::true}, {'If-Match' => $etag});
is($r->{status}, 200, 'with the current version it answers 200');
isnt($r->{headers}{etag}, $etag, 'and a new version');
$r = $s->scim(DELETE => "Users/$carol_id", undef, {'If-Match' => $etag});
is($r->{status}, 412, 'DELETE with a stale If-Match answers 412');
$r = $s->scim(PATCH => "Users/$carol_id", {schemas => ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
                                           Operations => [{op => 'add', path => 'title', value => 'x'}]},
              {'If-Match' => $etag});
is($r->{status}, 412, 'PATCH with a stale If-Match answers 412');
like($r->{json}{detail}, qr/^If-Match names another version than the resource's, W\/"\d+": read it again$/,
     'naming the current one');
$r = $s->scim(PATCH => 'Users/00000000-0000-4000-8000-000000000000',
              {schemas => ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
               Operations => [{op => 'add', path => 'title', value => 'x'}]});
is($r->{status}, 404, 'PATCH of an id that names no user answers 404');
is($s->scim(PATCH => "Users/$carol_id", {schemas => ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
                                         Operations => [{op => 'add', path => 'title', value => 'x'}]},
            {'If-Match' => '*'})->{status}, 200, 'If-Match: * allows the write');
is_deeply($s->scim(GET => "Users/$carol_id")->{json}{emails}, undef,
          'PUT replaced what SCIM shows: no email after a PUT without emails');

# ---------------------------------------------------------------- lists

for my $n (qw(dave erin frank)) {
    $s->scim(POST => 'Users', {userName => $n, externalId => "ext-$n", title => ($n eq 'erin' ? 'Boss' : 'Clerk')});
}
$r = $s->scim(GET => 'Users?filter=externalId+eq+%22ext-erin%22');
is_deeply([map { $_->{userName} } @{ $r->{json}{Resources} }], ['erin'], 'externalId eq finds by the index');
is($s->scim(GET => 'Users?filter=externalId+eq+%22EXT-ERIN%22')->{json}{totalResults}, 0,
   'externalId is case-exact');
$r = $s->scim(GET => 'Users?filter=title+eq+%22clerk%22+and+userName+sw+%22d%22');
is_deeply([map { $_->{userName} } @{ $r->{json}{Resources} }], ['dave'], 'another filter reads every user');
$r = $s->scim(GET => 'Users?filter=title+pr&sortBy=userName&sortOrder=descending&attributes=userName');
is_deeply([map { $_->{userName} } @{ $r->{json}{Resources} }], [qw(frank erin dave carol bjensen)],
          'sortBy userName descending');
is_deeply([sort keys %{ $r->{json}{Resources}[0] }], [qw(id meta schemas userName)],
          'attributes=userName keeps id, schemas, meta.resourceType and userName');
is_deeply($r->{json}{Resources}[0]{meta}, {resourceType => 'User'}, 'meta.resourceType alone');
$r = $s->scim(GET => "Users/$id?excludedAttributes=emails,$ENT:employeeNumber,name.middleName");
ok(!exists $r->{json}{emails}, 'excludedAttributes leaves emails out');
ok(!exists $r->{json}{$ENT}{employeeNumber} && exists $r->{json}{$ENT}{costCenter},
   'an extension attribute');
ok(!exists $r->{json}{name}{middleName} && exists $r->{json}{name}{givenName}, 'and a sub-attribute');
$r = $s->scim(GET => "Users/$id?excludedAttributes=$ENT");
is($r->{status}, 200, 'excludedAttributes of a whole extension (its URN alone)');
ok(!exists $r->{json}{$ENT} && exists $r->{json}{userName}, 'leaves the extension out, the rest in');
$r = $s->scim(GET => "Users/$id?excludedAttributes=" . lc($ENT) . ',emails');
ok($r->{status} == 200 && !exists $r->{json}{$ENT} && !exists $r->{json}{emails}
   && exists $r->{json}{userName}, 'the URN in any case, beside an attribute');
$r = $s->scim(GET => "Users/$id?attributes=userName,$ENT");
is_deeply([sort keys %{ $r->{json} }], [sort 'id', 'meta', 'schemas', 'userName', $ENT],
          'attributes with an extension URN keeps all of the extension');
is_deeply([sort keys %{ $r->{json}{$ENT} }], [qw(costCenter department employeeNumber manager)],
          'every attribute of it');
$r = $s->scim(GET => "Users?sortBy=$ENT");
is($r->{status}, 400, 'sortBy an extension URN alone: 400');
is($r->{json}{detail}, "sortBy: no attribute \"$ENT\" in the resource's schemas", 'naming it');
$r = $s->scim(GET => 'Users?count=0');
is_deeply([@{ $r->{json} }{qw(totalResults itemsPerPage)}], [7, 0], 'count=0: the total only');
is_deeply($r->{json}{Resources}, [], 'and no resources');
$r = $s->scim(GET => 'Users?startIndex=0&count=-5');
is_deeply([@{ $r->{json} }{qw(startIndex itemsPerPage)}], [1, 0], 'startIndex 0 is 1, a negative count 0');
$r = $s->scim(GET => 'Users?count=100000');
is($r->{json}{itemsPerPage}, 7, 'a count over maxResults is cut (all 7 fit)');
$r = $s->scim(GET => 'Users?sortBy=name.givenName&attributes=userName');
is($r->{json}{Resources}[0]{userName}, 'bjensen', 'sortBy a sub-attribute: a user with a value first');

# ---------------------------------------------------------------- DELETE

$r = $s->api(PUT => 'v0/synchronizations', 'username=bjensen&type=o365&provisioning_smtpAddress=bjensen@example.com');
is($r->{status}, 204, 'a synchronization for bjensen') or diag $r->{content};
is(scalar @{ $s->api(GET => 'v0/users/bjensen/synchronizations')->{json}{synchronizations} }, 1, 'bjensen has a synchronization');
$r = $s->scim(DELETE => "Users/$id");
is($r->{status}, 204, 'DELETE answers 204');
is($r->{content} // '', '', 'without a body');
is($s->api(GET => 'v0/users/bjensen')->{status}, 404, 'v0 sees the user gone');
is(scalar @{ $s->api(GET => 'v0/synchronizations')->{json}{synchronizations} }, 0, 'with its synchronizations');
is($s->scim(DELETE => "Users/$id")->{status}, 404, 'a second DELETE answers 404');

$s->stop;
done_testing;
