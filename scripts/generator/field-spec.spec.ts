import { parseFields, singularOf, SpecError } from './field-spec.js';

describe('parseFields (the --fields list of the generator)', () => {
  it('reads the example of the issue', () => {
    expect(
      parseFields('name:string(100) priceYen:int(min=0) sku:string(40,unique) description?:text', 'product'),
    ).toEqual([
      { name: 'name', type: 'string', optional: false, unique: false, maxLength: 100 },
      { name: 'priceYen', type: 'int', optional: false, unique: false, min: 0 },
      { name: 'sku', type: 'string', optional: false, unique: true, maxLength: 40 },
      { name: 'description', type: 'text', optional: true, unique: false, maxLength: 10000 },
    ]);
  });

  it('reads defaults, bounds and spaces inside the arguments', () => {
    expect(parseFields('mail:email(120, unique) qty:long(min=-5, max=9) note?:text(500,min=2)', 'x')).toEqual([
      { name: 'mail', type: 'email', optional: false, unique: true, maxLength: 120 },
      { name: 'qty', type: 'long', optional: false, unique: false, min: -5, max: 9 },
      { name: 'note', type: 'text', optional: true, unique: false, maxLength: 500, minLength: 2 },
    ]);
    expect(parseFields('a:email b:int', 'x').map((f) => f.maxLength)).toEqual([254, undefined]);
  });

  it.each([
    ['', /--fields is empty/],
    ['name', /expected name\[\?\]:type/],
    ['name:string(10', /expected name\[\?\]:type/],
    ['Name:string(10)', /expected name\[\?\]:type/],
    ['name:varchar(10)', /unknown type "varchar"/],
    ['name:string', /needs a maximum length/],
    ['name:string(0)', /outside 1\.\.10000/],
    ['name:string(10001)', /outside 1\.\.10000/],
    ['name:string(ten)', /not an integer/],
    ['name:string(10,min=11)', /min=11 is outside 1\.\.10/],
    ['body:text(100,unique)', /"unique" is not an argument of text/],
    ['n:int(min=1,max=0)', /min is greater than max/],
    ['n:int(max=2147483648)', /does not fit a int/],
    ['n:long(min=-9007199254740992)', /does not fit a long/],
    ['n:int(step=2)', /"step=2" is not an argument of int/],
    ['n:int a:int n:string(3)', /n: declared twice/],
    ['id:string(10)', /reserved/],
    ['productId:string(10)', /reserved/],
    ['sort:string(10)', /reserved/],
    ['a?:int b?:int', /at least one field must be required/],
  ])('%j: %s', (input, message) => {
    expect(() => parseFields(input, 'product')).toThrow(SpecError);
    expect(() => parseFields(input, 'product')).toThrow(message);
  });
});

describe('singularOf', () => {
  it.each([
    ['products', 'product'],
    ['categories', 'category'],
    ['boxes', 'box'],
    ['addresses', 'address'],
    ['news', 'new'],
    ['sheep', undefined],
    ['glass', undefined],
  ])('%s → %s', (plural, singular) => expect(singularOf(plural)).toBe(singular));
});
