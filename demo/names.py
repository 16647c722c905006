"""What the demo makes people, companies and places of: Russian names, streets, firms, mobile prefixes, points."""
import math

from core.geo import EARTH_RADIUS_KM

MEN = ("Иван", "Алексей", "Сергей", "Дмитрий", "Андрей", "Николай", "Михаил", "Павел", "Олег", "Виктор",
       "Артём", "Руслан", "Тимур", "Азамат", "Егор")
WOMEN = ("Анна", "Ольга", "Марина", "Елена", "Светлана")
LAST = ("Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
        "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
        "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев")
STREETS = ("ул. Ленина", "ул. Мира", "пр. Победы", "ул. Гагарина", "ул. Советская", "ул. Садовая",
           "ул. Школьная", "ул. Заводская", "ул. Лесная", "ш. Энтузиастов", "ул. Промышленная")
COMPANIES = ("Склад-Сервис", "ТрансЛогистик", "СтройМонтаж", "Гипермаркет Лента", "Мебельный двор",
             "ЭкоСнаб", "Северный терминал", "ПромКомплект", "Городские ярмарки", "Кровля-Профи",
             "Снегоуборка 24", "РигТех", "Дом и Сад", "Выставочный центр", "Аптечный склад")
LEGAL_FORMS = ("ООО", "АО", "ПАО")
# Russian mobile prefixes where phonenumbers accepts every 7-digit subscriber number
# (93x is left out: parts of 930 are not allocated).
MOBILE_PREFIXES = (900, 901, 902, 903, 904, 905, 906, 908, 909, 910, 912, 913, 914, 915, 916, 917, 918, 919,
                   920, 921, 922, 923, 924, 925, 926, 927, 928, 929, 950, 951, 952, 953, 960, 961, 962,
                   963, 964, 965, 966, 967, 968, 977, 978, 980, 981, 982, 983, 984, 985, 986, 987, 988, 989)


def point_near(rng, lat, lon, radius_km) -> tuple[float, float]:
    """Return a uniform random point within radius_km of (lat, lon)."""
    # The exact destination on the sphere haversine_km measures: the flat km-to-degrees
    # shortcut overshoots the edge by up to 0.1 km in the north, and "in the region" must hold.
    d = radius_km * math.sqrt(rng.random()) / EARTH_RADIUS_KM
    theta = rng.uniform(0, 2 * math.pi)
    p1 = math.radians(lat)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(theta))
    dl = math.atan2(math.sin(theta) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), lon + math.degrees(dl)
